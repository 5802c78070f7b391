/** One Azure cloud as ACR authentication needs it. */
export interface AzureCloud {
  readonly name: 'AzurePublic' | 'AzureGovernment' | 'AzureChina';
  /** Entra ID's host for this cloud (workload identity's token endpoint). */
  readonly authorityHost: string;
  /** The management scope ACR's `/oauth2/exchange` accepts an Entra ID token for. */
  readonly scope: string;
}

const CLOUDS: readonly AzureCloud[] = [
  {
    name: 'AzurePublic',
    authorityHost: 'https://login.microsoftonline.com',
    scope: 'https://management.azure.com/.default',
  },
  {
    name: 'AzureGovernment',
    authorityHost: 'https://login.microsoftonline.us',
    scope: 'https://management.usgovcloudapi.net/.default',
  },
  {
    name: 'AzureChina',
    authorityHost: 'https://login.chinacloudapi.cn',
    scope: 'https://management.chinacloudapi.cn/.default',
  },
];

export interface CloudChoice {
  readonly cloud: AzureCloud;
  /** Set when `azure_environment` named no cloud we know and the host decided instead. */
  readonly warning?: string;
}

/**
 * `azure_environment` when it names a cloud, else the registry host's suffix (`.azurecr.us`
 * Government, `.azurecr.cn` China, anything else Public), as the Go resource decides.
 */
export function azureCloudFor(registry: string, environment: string | undefined): CloudChoice {
  const fromHost = cloudOfHost(registry);
  if (environment === undefined || environment === '') return { cloud: fromHost };
  const named = CLOUDS.find((cloud) => cloud.name === environment);
  if (named) return { cloud: named };
  const known = CLOUDS.map((cloud) => cloud.name).join(', ');
  return {
    cloud: fromHost,
    warning: `unknown azure_environment "${environment}" (expected ${known}); using ${fromHost.name} from the registry host ${registry}`,
  };
}

function cloudOfHost(registry: string): AzureCloud {
  const host = registry.toLowerCase().replace(/:\d+$/, '');
  const [publicCloud, government, china] = CLOUDS as [AzureCloud, AzureCloud, AzureCloud];
  if (host.endsWith('.azurecr.us')) return government;
  if (host.endsWith('.azurecr.cn')) return china;
  return publicCloud;
}
