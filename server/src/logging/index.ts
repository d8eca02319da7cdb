/** Structured logging: JSON lines of public routing facts, and one line per request. */
export { errorFields, LOG_LEVELS, Logger, type LogLevel } from './logger.js';
export { requestLog } from './request-log.js';
