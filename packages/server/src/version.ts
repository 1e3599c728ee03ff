/** Server version reported by `/v1/health` and `unpod --version`. */
export const VERSION = '0.1.0';
