// Remembering something about callers without letting callers grow the memory: only the most recent stay.

/** A set that keeps its `limit` most recently added members and forgets the oldest beyond that. */
export class RecentSet<T> {
  private readonly members = new Set<T>();

  constructor(private readonly limit: number) {}

  add(member: T): void {
    this.members.delete(member);
    this.members.add(member);
    if (this.members.size > this.limit) this.members.delete(this.members.values().next().value as T);
  }

  has(member: T): boolean {
    return this.members.has(member);
  }

  /** Oldest first. */
  list(): T[] {
    return [...this.members];
  }
}
