/** Structured logging: JSON lines of public routing facts, and one line per request. */
export { errorFields, LOG_LEVELS, type LogFields, Logger, type LogLevel } from './logger.js';
export { OutageLog, type OutageLogOptions } from './outage-log.js';
export { requestLog } from './request-log.js';
