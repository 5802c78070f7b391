import type { Source } from '../application/request-types';

/** Every secret a request may carry, so no log line or error can print it. */
export function secretsOf(source: Partial<Source> | undefined, params?: Record<string, unknown>): string[] {
  const values: unknown[] = [
    source?.password,
    source?.aws_access_key_id,
    source?.aws_secret_access_key,
    source?.aws_session_token,
    source?.registry_mirror?.password,
    source?.content_trust?.password,
    source?.content_trust?.repository_key,
    source?.content_trust?.repository_passphrase,
    source?.content_trust?.tls_key,
    source?.cosign?.key,
    source?.cosign?.password,
    params?.password,
    params?.aws_access_key_id,
    params?.aws_secret_access_key,
    params?.aws_session_token,
  ];
  return values.filter((v): v is string => typeof v === 'string' && v !== '');
}
