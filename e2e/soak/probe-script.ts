// What every soak container runs (busybox sh): from its first instant, in a loop, the role listing, its
// credentials and a passthrough route, each at the real metadata address; one line per answer into its
// own file on a bind mount, so answers are attributed to the container that asked even across a dockerd
// restart. Line format (parsed by answer-line.ts): KIND START END EXIT TEXT, where KIND is L (listing),
// C (credentials) or P (passthrough), START and END are /proc/uptime seconds (the host's clock too),
// EXIT is wget's exit status under `timeout`, and TEXT is the listed role, the AccessKeyId, the
// passthrough body, or wget's error line ("... HTTP/1.1 404 Not Found"). Before each request a line
// `B KIND START`, so a request still waiting when the container is removed is seen too.

/** Where the results folder is mounted in the container. */
export const RESULTS_MOUNT = '/r';
/** The container's name, which is also the name of its results file. */
export const NAME_VARIABLE = 'SOAK_NAME';
/** Seconds between rounds. */
export const PAUSE_VARIABLE = 'SOAK_PAUSE';
/** Its value becomes the AssumeRole session name (ROLE_SESSION_KEY=Env:SOAK_SESSION): credentials of its own. */
export const SESSION_VARIABLE = 'SOAK_SESSION';
/** A container without a role asks for this one's credentials, and must be refused. */
export const FOREIGN_ROLE = 'soak-foreign';
export const PASSTHROUGH_PATH = 'instance-id';
/** Longest a single request may take before the container gives up on it (a no-answer). */
export const REQUEST_TIMEOUT_SECONDS = 5;

export const PROBE_SCRIPT = `
set -f
R=\${IAM_ROLE:-${FOREIGN_ROLE}}
M=http://169.254.169.254/latest/meta-data
exec >> ${RESULTS_MOUNT}/\$${NAME_VARIABLE}
key() {
  t=-
  while read -r l; do
    IFS='"'; set -- \$l; unset IFS
    while [ \$# -gt 2 ]; do
      if [ "\$1" = AccessKeyId ]; then t=\$3; return; fi
      shift
    done
  done < /tmp/b
}
ask() {
  read a x < /proc/uptime
  echo "B \$1 \$a"
  timeout ${REQUEST_TIMEOUT_SECONDS} wget -q -O /tmp/b "\$M/\$2" 2> /tmp/e
  c=\$?
  read z x < /proc/uptime
  t=-
  if [ \$c != 0 ]; then read -r t < /tmp/e
  elif [ \$1 = C ]; then key
  else read -r t < /tmp/b
  fi
  echo "\$1 \$a \$z \$c \${t:--}"
}
while :; do
  ask L iam/security-credentials/
  ask C iam/security-credentials/\$R
  ask P ${PASSTHROUGH_PATH}
  sleep \${${PAUSE_VARIABLE}:-0.5}
done
`;
