/**
 * One progress line. On a terminal it redraws in place; in a log (CI, tests, `| tee`) it prints a
 * line at every quarter instead, so logs stay short but still show that something moves.
 */
export type Progress = {
  update: (done: number, total?: number) => void;
  end: (text?: string) => void;
};

const interactive = process.stdout.isTTY === true;

export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

export function createProgress(label: string, format: (n: number) => string = String): Progress {
  let lastQuarter = -1;
  let lastLine = '';
  return {
    update(done, total) {
      const fraction = total ? Math.min(1, done / total) : undefined;
      const amount = total ? `${format(done)}/${format(total)}` : format(done);
      if (interactive) {
        const width = 24;
        const bar =
          fraction === undefined
            ? ''
            : `[${'#'.repeat(Math.round(fraction * width)).padEnd(width, '.')}] `;
        const line = `  ${label} ${bar}${amount}`;
        if (line !== lastLine) process.stdout.write(`\r${line.padEnd(lastLine.length)}`);
        lastLine = line;
        return;
      }
      const quarter = fraction === undefined ? 0 : Math.floor(fraction * 4);
      if (quarter <= lastQuarter) return;
      lastQuarter = quarter;
      console.log(`  ${label} ${amount}`);
    },
    end(text) {
      if (interactive && lastLine) process.stdout.write(`\r${' '.repeat(lastLine.length)}\r`);
      if (text) console.log(`  ${label} ${text}`);
    },
  };
}
