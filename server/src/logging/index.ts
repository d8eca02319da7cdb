/** Structured logging: JSON lines of public routing facts, and one line per request. */
export { errorFields, LOG_LEVELS, type LogFields, Logger, type LogLevel, type LogSink } from './logger.js';
export { requestLog } from './request-log.js';
