export { InProcessClusterBus, assertChannel, type ClusterBus, type BusHandler, type BusMessage } from './bus.js';
export { RedisClusterBus } from './redis-bus.js';
export { NodeMembership, type MembershipOptions, type NodeInfo } from './membership.js';
export { connectRedis, quitRedis, redactUrl, type RedisTarget } from './redis.js';
