import type { Credentials } from '../../../ports/auth-port';
import type { CredentialSource } from '../../../ports/registry-provider';
import type { GoogleLogin } from './application-default-credentials';
import { describeGoogleFailure } from './google-auth-failure';
import { AuthenticationError } from '../../../ports/registry-errors';

/** The user name Google's registries take with an OAuth2 access token as password. */
export const GOOGLE_REGISTRY_USER = 'oauth2accesstoken';

/**
 * One access token per step, fetched when the registry first needs credentials and reused for
 * every request after; `renew` logs in afresh (a new client holds no cached token) once the
 * registry refused the token.
 */
export class GoogleTokenSource implements CredentialSource {
  private token?: Promise<Credentials>;

  constructor(
    private login: GoogleLogin,
    private readonly relogin: () => Promise<GoogleLogin>,
  ) {}

  current(): Promise<Credentials> {
    this.token ??= this.fetch();
    return this.token;
  }

  async renew(): Promise<Credentials | undefined> {
    this.login = await this.relogin();
    this.token = this.fetch();
    return this.token;
  }

  private async fetch(): Promise<Credentials> {
    const { client, origin } = this.login;
    let token: string | null | undefined;
    try {
      ({ token } = await client.getAccessToken());
    } catch (error) {
      this.token = undefined; // a later step of the same process may try again
      const why = describeGoogleFailure(error);
      throw new AuthenticationError(`google_auth: no access token from ${origin}: ${why}`, {
        cause: error,
      });
    }
    if (!token) throw new AuthenticationError(`google_auth: ${origin} gave an empty access token`);
    return { kind: 'basic', username: GOOGLE_REGISTRY_USER, password: token };
  }
}
