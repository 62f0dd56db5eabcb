// What an ipvsadm invocation takes from the machine it runs on besides argv and stdin: the program
// name it was started as (argv[0], which usage and help texts print) and the name resolver (its
// /etc/hosts and /etc/services).
import { type Resolver, systemResolver } from './resolver.js';

export interface IpvsadmEnv {
  /** argv[0]; 'ipvsadm' by default */
  program?: string;
  /** name lookups; this machine's /etc/hosts and /etc/services by default */
  resolver?: Resolver;
}

export function programOf(env: IpvsadmEnv): string {
  return env.program ?? 'ipvsadm';
}

export function resolverOf(env: IpvsadmEnv): Resolver {
  return env.resolver ?? systemResolver();
}
