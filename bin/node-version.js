// The oldest Node.js hanode runs on: its dependencies need 20.19 (chokidar 5 says so in its engines).
export const MINIMUM = [20, 19, 0];

/** One line for the user when `version` (e.g. "v18.19.1") is too old, else undefined. */
export function tooOld(version) {
  const parts = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version)?.slice(1).map(Number) ?? [0, 0, 0];
  for (let i = 0; i < 3; i++) {
    if (parts[i] > MINIMUM[i]) return undefined;
    if (parts[i] < MINIMUM[i]) {
      return `hanode needs Node.js ${MINIMUM.join('.')} or newer, and this is ${version}: install Node.js 20 LTS or later (on a Pi: https://github.com/nodesource/distributions, or apt install nodejs from a current repository)`;
    }
  }
  return undefined;
}
