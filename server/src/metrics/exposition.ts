/**
 * Prometheus' text exposition format, version 0.0.4 (prometheus.io, "Exposition formats"): one
 * `# HELP` and one `# TYPE` line per metric family, then one line per sample, `name{label="value"} value`.
 * Written here rather than taken from prom-client: the relay reports a handful of counters and gauges,
 * which is one small module, not a dependency (README, "Dependencies").
 */

/** The media type of the format. */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** One sample: its labels (in the order given) and its value. */
export interface Sample {
  labels?: Readonly<Record<string, string>>;
  value: number;
}

/** A metric family: a counter or a gauge, with its samples. */
export interface MetricFamily {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  samples: readonly Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** HELP text: backslash and line feed escaped. */
function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** A label value: backslash, double quote and line feed escaped. */
export function escapeLabelValue(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** A sample value as the format writes it: Go's float syntax, `NaN`, `+Inf`, `-Inf`. */
function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

/**
 * The exposition of `families`, each ending with a line feed. Throws on a metric or label name the
 * format does not allow (a bug in the caller, never input from a request).
 *
 * @example
 * formatExposition([{ name: 'brygga_log_size', help: 'Leaves in the log.', type: 'gauge', samples: [{ value: 12 }] }]);
 * // '# HELP brygga_log_size Leaves in the log.\n# TYPE brygga_log_size gauge\nbrygga_log_size 12\n'
 */
export function formatExposition(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    if (!NAME.test(family.name)) throw new Error(`not a metric name: ${family.name}`);
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`);
    for (const sample of family.samples) {
      const labels = Object.entries(sample.labels ?? {}).map(([k, v]) => {
        if (!LABEL.test(k) || k.startsWith('__')) throw new Error(`not a label name: ${k}`);
        return `${k}="${escapeLabelValue(v)}"`;
      });
      const suffix = labels.length > 0 ? `{${labels.join(',')}}` : '';
      lines.push(`${family.name}${suffix} ${formatValue(sample.value)}`);
    }
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}
