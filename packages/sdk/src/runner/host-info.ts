import os from 'node:os';

/**
 * Placement the runner advertises in `register.capabilities` (spec 3.3). Descriptive only: the
 * orchestrator shows it on the Workers page and never routes on it.
 */
export interface HostInfo {
  hostname: string | null;
  /** A local, non-loopback IP address of this machine. */
  address: string | null;
  region: string | null;
  deployment: 'cloud' | 'local';
}

const REGION_VARS = ['AWS_REGION', 'AWS_DEFAULT_REGION', 'GOOGLE_CLOUD_REGION', 'CLOUD_RUN_REGION', 'FLY_REGION', 'RAILWAY_REGION', 'REGION'];

const CLOUD_MARKERS = [
  'KUBERNETES_SERVICE_HOST',
  'ECS_CONTAINER_METADATA_URI',
  'ECS_CONTAINER_METADATA_URI_V4',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'K_SERVICE',
  'GAE_ENV',
  'WEBSITE_INSTANCE_ID',
  'FLY_APP_NAME',
  'RAILWAY_ENVIRONMENT',
  'RENDER',
  'MODAL_TASK_ID',
  'CEREBRIUM_DEPLOYMENT_ID',
  'BASETEN_DEPLOYMENT_ID',
];

function nonEmpty(value: string | undefined): string | null {
  const v = value?.trim();
  return v ? v : null;
}

type Interfaces = ReturnType<typeof os.networkInterfaces>;

/**
 * First external IPv4 address of the interface table, else the first external IPv6, else null.
 * Reads the local table only: no packet leaves the machine.
 */
export function pickLocalAddress(interfaces: Interfaces = os.networkInterfaces()): string | null {
  let v6: string | null = null;
  for (const entries of Object.values(interfaces)) {
    for (const entry of entries ?? []) {
      if (entry.internal) continue;
      if (entry.family === 'IPv4') return entry.address;
      if (!v6 && !entry.address.startsWith('fe80:')) v6 = entry.address;
    }
  }
  return v6;
}

/**
 * Detect placement. `UNPOD_WORKER_HOSTNAME`, `UNPOD_WORKER_ADDRESS`, `UNPOD_WORKER_REGION` and
 * `UNPOD_WORKER_DEPLOYMENT` override detection; `overrides` (the `hostInfo` runner option) win
 * over both.
 */
export function detectHostInfo(env: NodeJS.ProcessEnv, overrides: Partial<HostInfo> = {}, interfaces?: Interfaces): HostInfo {
  const deploymentEnv = nonEmpty(env.UNPOD_WORKER_DEPLOYMENT);
  const detectedDeployment = CLOUD_MARKERS.some((name) => nonEmpty(env[name]) !== null) ? 'cloud' : 'local';
  let region: string | null = nonEmpty(env.UNPOD_WORKER_REGION);
  for (const name of REGION_VARS) {
    if (region) break;
    region = nonEmpty(env[name]);
  }
  return {
    hostname: overrides.hostname !== undefined ? overrides.hostname : (nonEmpty(env.UNPOD_WORKER_HOSTNAME) ?? nonEmpty(os.hostname())),
    address: overrides.address !== undefined ? overrides.address : (nonEmpty(env.UNPOD_WORKER_ADDRESS) ?? pickLocalAddress(interfaces)),
    region: overrides.region !== undefined ? overrides.region : region,
    deployment:
      overrides.deployment ?? (deploymentEnv === 'cloud' || deploymentEnv === 'local' ? deploymentEnv : detectedDeployment),
  };
}
