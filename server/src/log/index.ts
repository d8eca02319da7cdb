/** Structured logging. */
export { errorFields, LOG_LEVELS, type LogFields, Logger, type LogLevel, type LogSink } from './logger.js';
export { requestLog } from './request-log.js';
