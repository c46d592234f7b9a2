// DEFAULT_SESSION_TAGS: tags every session gets unless the workload sets the same key itself. Values may
// hold placeholders filled in per workload: {name} (container name), {image} (its image) and {service}
// (its Docker Swarm service). A tag whose placeholder has no value for a workload (no service outside
// Swarm) is left out rather than sent empty, so an ABAC condition on it cannot match by accident.

/** What the placeholders read from a workload (identity/workload.ts). */
export interface TagPlaceholderValues {
  readonly name?: string;
  readonly image?: string;
  readonly service?: string;
}

const PLACEHOLDER = /\{(name|image|service)\}/g;

/** Placeholders the setting accepts; any other `{word}` is a typo worth refusing at start-up. */
export function unknownPlaceholders(template: Readonly<Record<string, string>>): string[] {
  return Object.values(template).flatMap((value) => [...value.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]!).filter((word) => !/^(name|image|service)$/.test(word)));
}

export function defaultSessionTags(template: Readonly<Record<string, string>>, workload: TagPlaceholderValues | undefined): Record<string, string> {
  const values: Record<string, string | undefined> = {
    name: workload?.name,
    image: workload?.image,
    service: workload?.service,
  };
  const tags: Record<string, string> = {};
  for (const [key, value] of Object.entries(template)) {
    let missing = false;
    const filled = value.replace(PLACEHOLDER, (_, word: string) => values[word] ?? ((missing = true), ''));
    if (!missing) tags[key] = filled;
  }
  return tags;
}
