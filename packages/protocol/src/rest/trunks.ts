import { z } from 'zod';
import { E164, Timestamp } from './common.js';

export const SipTransport = z.enum(['udp', 'tcp', 'tls']);
export type SipTransport = z.infer<typeof SipTransport>;

export const Codec = z.enum(['PCMU', 'PCMA']);
export type Codec = z.infer<typeof Codec>;

/** An IPv4/IPv6 address or CIDR block allowed to send INVITEs on this trunk. */
const SourceIp = z
  .string()
  .trim()
  .regex(
    /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}(?:\/(?:3[0-2]|[12]?\d))?|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*(?:\/(?:12[0-8]|1[01]\d|[1-9]?\d))?)$/,
    'must be an IPv4/IPv6 address or CIDR block',
  );

const Hostname = z
  .string()
  .trim()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9.:[\]-]+$/, 'must be a host name or IP address');

/**
 * A SIP trunk to a carrier or PBX. `password` is write-only: responses carry `has_password`.
 * `dids` are the numbers the carrier routes to this trunk; `POST /v1/trunks/{id}/sync` imports them.
 */
export const Trunk = z.object({
  id: z.string(),
  name: z.string(),
  host: z.string(),
  port: z.number().int(),
  transport: SipTransport,
  username: z.string().nullable(),
  has_password: z.boolean(),
  source_ips: z.array(z.string()),
  codecs: z.array(Codec),
  register: z.boolean(),
  /** Country calling code used to normalise national numbers, e.g. `44`. */
  country_code: z.string().nullable(),
  /** National trunk prefix stripped before the country code is applied, e.g. `0`. */
  national_prefix: z.string().nullable(),
  /** Caller id presented on outbound calls when the call names none. */
  outbound_caller_id: z.string().nullable(),
  max_concurrent_calls: z.number().int().nullable(),
  dids: z.array(z.string()),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type Trunk = z.infer<typeof Trunk>;

const trunkFields = {
  name: z.string().trim().min(1).max(100),
  host: Hostname,
  port: z.number().int().min(1).max(65535),
  transport: SipTransport,
  username: z.string().min(1).max(128).nullable(),
  password: z.string().min(1).max(256).nullable(),
  source_ips: z.array(SourceIp).max(256),
  codecs: z.array(Codec).min(1).max(2),
  register: z.boolean(),
  country_code: z.string().regex(/^[1-9]\d{0,2}$/, 'must be 1-3 digits').nullable(),
  national_prefix: z.string().regex(/^\d{1,3}$/, 'must be 1-3 digits').nullable(),
  outbound_caller_id: E164.nullable(),
  max_concurrent_calls: z.number().int().min(1).max(100000).nullable(),
  dids: z.array(E164).max(10000),
};

export const TrunkCreate = z.strictObject({
  name: trunkFields.name,
  host: trunkFields.host,
  port: trunkFields.port.default(5060),
  transport: trunkFields.transport.default('udp'),
  username: trunkFields.username.default(null),
  password: trunkFields.password.default(null),
  source_ips: trunkFields.source_ips.default([]),
  codecs: trunkFields.codecs.default(['PCMU', 'PCMA']),
  register: trunkFields.register.default(false),
  country_code: trunkFields.country_code.default(null),
  national_prefix: trunkFields.national_prefix.default(null),
  outbound_caller_id: trunkFields.outbound_caller_id.default(null),
  max_concurrent_calls: trunkFields.max_concurrent_calls.default(null),
  dids: trunkFields.dids.default([]),
});
export type TrunkCreate = z.input<typeof TrunkCreate>;

export const TrunkUpdate = z.strictObject(
  Object.fromEntries(Object.entries(trunkFields).map(([k, v]) => [k, v.optional()])) as {
    [K in keyof typeof trunkFields]: z.ZodOptional<(typeof trunkFields)[K]>;
  },
);
export type TrunkUpdate = z.input<typeof TrunkUpdate>;

/** Result of importing a trunk's DIDs as numbers. */
export const TrunkSyncResult = z.object({
  trunk_id: z.string(),
  synced: z.number().int(),
  new: z.number().int(),
  numbers: z.array(z.string()),
});
export type TrunkSyncResult = z.infer<typeof TrunkSyncResult>;
