/** `hanode scan --write DIR`: not yet able to draft scheme files. */
import type { ScanResult } from '../hardware/types.js';

export async function writeDrafts(_result: ScanResult, dir: string): Promise<string[]> {
  return [`scan --write ${dir}: drafting scheme files is not available in this version; nothing was written`];
}
