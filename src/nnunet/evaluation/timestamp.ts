/** Python's `str(datetime.today())` for a JS Date, in local time: "2021-01-01 12:34:56.789000". */

const pad = (n: number, width = 2): string => n.toString().padStart(width, '0');

export function pythonTimestamp(date: Date = new Date()): string {
  const base =
    `${pad(date.getFullYear(), 4)}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  const ms = date.getMilliseconds();
  // datetime.__str__ leaves out the fraction when microsecond == 0.
  return ms === 0 ? base : `${base}.${pad(ms * 1000, 6)}`;
}
