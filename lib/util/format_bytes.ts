/**
 * Byte counts for people: binary units, one decimal.
 *
 * @module
 */

/** Bytes in binary units, one decimal: `1.5 GiB`; below 1 KiB the exact count, `512 B`. */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}
