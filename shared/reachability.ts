/**
 * The key of the `iothubowner` policy in local.settings.sample.json, printed in the README: anyone can sign with
 * it, so the app accepts it only while nothing beyond this machine can reach it.
 */
export const PUBLISHED_DEVELOPMENT_KEY = 'YgQM1OR+JDS2jKnFExdoXFx9XNtO9puAB0Iwy2WILnE=';

/** The setting func-local sets to the address its HTTP listener binds (Core Tools sets no such variable). */
export const LISTEN_ADDRESS_SETTING = 'FUNC_LOCAL_LISTEN_ADDRESS';

type Env = Record<string, string | undefined>;

/** Where the app's HTTP port can be reached from, as far as the host lets the app know. */
export type Reachability = { kind: 'loopback'; address: string } | { kind: 'beyond'; why: string };

function isLoopback(address: string): boolean {
  const host = address.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * Whether the app runs in Azure, by settings the platform sets on every plan: WEBSITE_INSTANCE_ID (App Service
 * plans), WEBSITE_SKU (`FlexConsumption`, `Dynamic`, …) and WEBSITE_SITE_NAME. Not CONTAINER_NAME: container
 * runtimes set it on developers' machines too, and a local run must not pass for Azure.
 */
export function runsInAzure(env: Env): boolean {
  return Boolean(env.WEBSITE_INSTANCE_ID?.trim() || env.WEBSITE_SKU?.trim() || env.WEBSITE_SITE_NAME?.trim());
}

/**
 * Tells whether the app is reachable from this machine only. In Azure it never is; func-local sets
 * {@link LISTEN_ADDRESS_SETTING}. Without either, the host is unknown (Core Tools listens on every interface,
 * azure-functions-core-tools #174 and #2499), so the answer is "beyond".
 */
export function reachabilityOf(env: Env): Reachability {
  const onAppService = runsInAzure(env);
  if (onAppService) {
    const site = env.WEBSITE_SITE_NAME?.trim();
    return { kind: 'beyond', why: `it runs in Azure${site ? ` (site ${site})` : ''}` };
  }
  const address = env[LISTEN_ADDRESS_SETTING]?.trim();
  if (!address) {
    return {
      kind: 'beyond',
      why: `its host does not say where it listens (func-local sets ${LISTEN_ADDRESS_SETTING}; Core Tools listens on every interface)`,
    };
  }
  if (isLoopback(address)) return { kind: 'loopback', address };
  return { kind: 'beyond', why: `func-local listens on ${address}, not on loopback only` };
}
