// Node's process warnings (the AWS SDK's Node-version notice among them) go through the logger as one
// line each, instead of Node's own multi-line text on stderr, which a LOG_FORMAT=json pipeline cannot parse.
import type { Logger } from './logger.js';

/** `logger` is asked at each warning, so a logger replaced by a reload is used. */
export function routeProcessWarnings(logger: () => Logger, target: NodeJS.EventEmitter = process): void {
  target.removeAllListeners('warning');
  target.on('warning', (warning: Error & { code?: string }) => {
    const fields = { warning: warning.name, ...(warning.code !== undefined && { code: warning.code }) };
    logger().warn(fields, warning.message.replace(/\s+/g, ' ').trim());
  });
}
