// The order statistics the performance scripts report.

/** The `p`th percentile of ascending `sorted` (the nearest rank at or above it); NaN if empty. */
export const percentile = (sorted, p) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;

/** The median of `values`, in any order (their 50th percentile). */
export const median = (values) => percentile([...values].sort((a, b) => a - b), 50);
