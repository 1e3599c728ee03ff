/** Via header (RFC 3261 section 20.42, 18.2.1; RFC 3581 rport). */
import { SipParseError } from './errors.js';
import { formatParameters, isToken, parseHeaderParameters, splitList, type Parameters } from './grammar.js';

/** RFC 3261 section 8.1.1.7: branches starting with this cookie are globally unique. */
export const BRANCH_MAGIC_COOKIE = 'z9hG4bK';

export interface Via {
  protocolName: string;
  protocolVersion: string;
  /** Upper-case transport: UDP, TCP, TLS, SCTP, WS... */
  transport: string;
  /** sent-by host, IPv6 kept in brackets. */
  host: string;
  port: number | undefined;
  /** branch, received, rport (`null` = present without value), maddr, ttl, others. */
  params: Parameters;
}

const SENT_BY_RE = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9.])?)(?::([0-9]{1,5}))?$/;

function fail(detail: string): never {
  throw new SipParseError('bad-via', detail, 'Via');
}

/** Parses one via-parm: `SIP / 2.0 / UDP host[:port] *( ; param )`, LWS tolerated around `/`. */
export function parseVia(value: string): Via {
  const text = value.trim();
  const proto = /^([^\s/]+)\s*\/\s*([^\s/]+)\s*\/\s*([^\s/]+)\s+/.exec(text);
  if (!proto) fail(`bad sent-protocol in "${text.slice(0, 64)}"`);
  const [, name, version, transport] = proto as unknown as [string, string, string, string];
  if (!isToken(name) || !isToken(version) || !isToken(transport)) fail('bad sent-protocol token');
  let rest = text.slice(proto[0].length);
  const semi = rest.indexOf(';');
  const sentBy = (semi >= 0 ? rest.slice(0, semi) : rest).trim();
  rest = semi >= 0 ? rest.slice(semi) : '';
  const hostPort = SENT_BY_RE.exec(sentBy);
  if (!hostPort) fail(`bad sent-by "${sentBy.slice(0, 64)}"`);
  const port = hostPort[2] === undefined ? undefined : Number(hostPort[2]);
  if (port !== undefined && port > 65535) fail('sent-by port out of range');
  let params: Parameters;
  try {
    params = parseHeaderParameters(rest, 'bad-via');
  } catch (error) {
    if (error instanceof SipParseError) fail(error.message);
    throw error;
  }
  const rport = params.get('rport');
  if (rport !== undefined && rport !== null && !/^[0-9]{1,5}$/.test(rport)) fail('bad rport');
  if (params.get('branch') === null) fail('branch without value');
  return {
    protocolName: name.toUpperCase(),
    protocolVersion: version,
    transport: transport.toUpperCase(),
    host: hostPort[1] as string,
    port,
    params,
  };
}

/** Parses a Via header value that may hold several comma-separated via-parms. */
export function parseViaList(value: string): Via[] {
  const parts = splitList(value);
  if (parts.some((p) => p.length === 0)) fail('empty via-parm');
  return parts.map(parseVia);
}

export function formatVia(via: Via): string {
  const port = via.port === undefined ? '' : `:${via.port}`;
  return `${via.protocolName}/${via.protocolVersion}/${via.transport} ${via.host}${port}${formatParameters(via.params)}`;
}

/** The branch parameter, if any. */
export function branchOf(via: Via): string | undefined {
  return via.params.get('branch') ?? undefined;
}

/** sent-by as `host:port` with the default port filled in, for transaction keys. */
export function sentByKey(via: Via): string {
  const defaultPort = via.transport === 'TLS' ? 5061 : 5060;
  return `${via.host.toLowerCase()}:${via.port ?? defaultPort}`;
}
