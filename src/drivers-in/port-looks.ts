/**
 * When an I/O expander's input scheme looks at its port: on each falling edge of the chip's INT
 * line, or every interval without one. Edges can come faster than the bus answers, so looks never
 * overlap, and an edge during a look asks for exactly one more after it. A failed look is reported
 * once (the scheme is restarted, which reads the port afresh). pcf8574-in and mcp23017-in share it.
 */
export interface PortLooks {
  /** Look now, or right after the look under way. */
  check(): void;
  /** Look every `ms` until {@link cancel}. */
  poll(ms: number): void;
  /** No more looks are started; resolves once the one under way has ended. */
  cancel(): Promise<void>;
}

export function portLooks(look: () => Promise<void>, opts: { alive: () => boolean; fail: (err: Error) => void }): PortLooks {
  let busy: Promise<void> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  const check = () => {
    if (busy) {
      again = true;
      return;
    }
    busy = look()
      .catch((err: Error) => {
        again = false;
        if (opts.alive()) opts.fail(err);
      })
      .finally(() => {
        busy = undefined;
        if (again && opts.alive()) {
          again = false;
          check();
        }
      });
  };
  const poll = (ms: number) => {
    timer = setTimeout(() => {
      check();
      poll(ms);
    }, ms);
  };
  return {
    check,
    poll,
    async cancel() {
      clearTimeout(timer);
      timer = undefined;
      await busy;
    },
  };
}
