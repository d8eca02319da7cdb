/** Structured logging: JSON lines of public routing facts (logger.ts), one line per request (request-log.ts). */
export { errorFields, LOG_LEVELS, type LogFields, Logger, type LogLevel, type LogSink } from './logger.js';
export { requestLog } from './request-log.js';
