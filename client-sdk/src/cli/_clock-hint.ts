/** What the CLI says about a device whose clock the relay finds off (PROTOCOL.md §8, `clock-skew`). */

/** The hint for a clock `offsetSeconds` ahead of the relay's (negative: behind). */
export function clockHint(offsetSeconds: number): string {
  const direction = offsetSeconds >= 0 ? 'ahead' : 'behind';
  return `this device's clock is ${Math.abs(offsetSeconds)} seconds ${direction}: set it right (turn on automatic time, NTP) and try again`;
}
