import type { ProgressSink } from '../progress.js';

/**
 * The progress sink of a terminal: one status line on stderr, redrawn in place (`label detail
 * 12s`), cleared when the step ends. Only used when stderr is a TTY and the output is not JSON.
 */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): ProgressSink {
  let started = 0;
  let text = '';
  let timer: NodeJS.Timeout | undefined;
  const draw = () => {
    const seconds = Math.floor((Date.now() - started) / 1000);
    stream.write(`\r${text}${seconds >= 2 ? ` (${seconds} s)` : ''}\u001b[K`);
  };
  return {
    show(label, detail) {
      const next = detail ? `${label} … ${detail}` : `${label} …`;
      if (!timer) {
        started = Date.now();
        timer = setInterval(draw, 250);
        timer.unref();
      } else if (!next.startsWith(label)) started = Date.now();
      text = next;
      draw();
    },
    clear() {
      if (timer) clearInterval(timer);
      timer = undefined;
      if (text) stream.write('\r\u001b[K');
      text = '';
    },
  };
}
