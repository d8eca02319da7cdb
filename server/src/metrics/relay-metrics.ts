/**
 * The relay's metrics (README "Metrics", PROTOCOL.md §9 `GET /v1/metrics`): counters kept by this
 * process since it started, and gauges read from the database when scraped, so that every relay
 * process on a shared PostgreSQL database reports the same database figures and its own traffic.
 */
import type { OperationalFigures } from '../storage/index.js';
import { formatExposition, type MetricFamily } from './exposition.js';

/** The counters and open-stream gauge of one relay process. */
export class RelayMetrics {
  /** Answers by route pattern and status: `route \0 status` → count. */
  readonly #requests = new Map<string, number>();
  #submissions = 0;
  #eventStreams = 0;

  /** Count one answer to a request matched by `route` (the pattern, never the concrete path). */
  countRequest(route: string, status: number): void {
    const key = `${route}\0${status}`;
    this.#requests.set(key, (this.#requests.get(key) ?? 0) + 1);
  }

  /** Count one packet accepted and stored (a 201 to `POST /v1/packets`; a repeated one is not counted). */
  countSubmission(): void {
    this.#submissions++;
  }

  /** An event stream opened; returns what to call once when it closes. */
  openEventStream(): () => void {
    this.#eventStreams++;
    let closed = false;
    return () => {
      if (closed) return;
      closed = true;
      this.#eventStreams--;
    };
  }

  /** The exposition of every metric, with the database's `figures` as of `now` (milliseconds). */
  render(figures: OperationalFigures, now: number): string {
    const requests = [...this.#requests]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, value]) => {
        const [route = '', status = ''] = key.split('\0');
        return { labels: { route, status }, value };
      });
    const families: MetricFamily[] = [
      {
        name: 'brygga_http_requests_total',
        help: 'Requests answered by this process, by route pattern and status.',
        type: 'counter',
        samples: requests,
      },
      {
        name: 'brygga_submissions_total',
        help: 'Packets accepted and stored by this process (201 to POST /v1/packets).',
        type: 'counter',
        samples: [{ value: this.#submissions }],
      },
      {
        name: 'brygga_deliveries_waiting',
        help: 'Deliveries of packets to devices not yet acknowledged.',
        type: 'gauge',
        samples: [{ value: figures.deliveriesWaiting }],
      },
      {
        name: 'brygga_oldest_delivery_age_seconds',
        help: 'Age of the oldest delivery not yet acknowledged (0 when none waits).',
        type: 'gauge',
        samples: [{ value: ageSeconds(figures.oldestDeliveryAt, now) }],
      },
      {
        name: 'brygga_log_size',
        help: 'Entries in the transparency log (its newest checkpoint).',
        type: 'gauge',
        samples: [{ value: figures.logSize }],
      },
      {
        name: 'brygga_log_last_round_timestamp_seconds',
        help: 'Unix time of the transparency log round that issued its newest checkpoint (0 before the first).',
        type: 'gauge',
        samples: [{ value: figures.lastCheckpointAt === undefined ? 0 : figures.lastCheckpointAt / 1000 }],
      },
      {
        name: 'brygga_event_streams_open',
        help: 'Server-sent event streams this process holds open.',
        type: 'gauge',
        samples: [{ value: this.#eventStreams }],
      },
    ];
    return formatExposition(families);
  }
}

function ageSeconds(since: number | undefined, now: number): number {
  return since === undefined ? 0 : Math.max(0, (now - since) / 1000);
}
