/** The relay's metrics in Prometheus' text format, and who may read them (README "Metrics"). */
export {
  EXPOSITION_CONTENT_TYPE,
  escapeLabelValue,
  formatExposition,
  type MetricFamily,
  type Sample,
} from './exposition.js';
export { checkMetricsAccess, isLoopbackAddress } from './metrics-access.js';
export { RelayMetrics } from './relay-metrics.js';
