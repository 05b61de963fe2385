import type { HttpClient } from './http';

/** The identity service (`/v1/identity`, libs/identity enrolment.controller.ts). */
export interface IssuedCredential {
  credential: string;
  expiresAt: number;
  methods: string[];
}

export interface IdentityApi {
  startPhoneEnrolment(phoneNumber: string): Promise<{ enrolmentId: string; expiresAt: number }>;
  verifyPhoneEnrolment(enrolmentId: string, code: string): Promise<IssuedCredential>;
  /** `link`: the phone credential, to get one credential for both identities. */
  startOidc(link?: string): Promise<{ enrolmentId: string; authorizationUrl: string; expiresAt: number }>;
  /** Forwards the provider's redirect parameters (code flow) and returns the credential. */
  completeOidc(params: { state: string; code?: string; error?: string }): Promise<IssuedCredential>;
}

const PREFIX = '/v1/identity';

export function identityApi(http: HttpClient): IdentityApi {
  return {
    startPhoneEnrolment: (phoneNumber) =>
      http.request('POST', `${PREFIX}/enrolments/phone`, { body: JSON.stringify({ phoneNumber }) }),
    verifyPhoneEnrolment: (enrolmentId, code) =>
      http.request('POST', `${PREFIX}/enrolments/${encodeURIComponent(enrolmentId)}/verify`, {
        body: JSON.stringify({ code }),
      }),
    startOidc: (link) =>
      http.request('POST', `${PREFIX}/oidc/start`, { body: JSON.stringify(link ? { link } : {}) }),
    completeOidc: (params) => {
      const query = new URLSearchParams();
      query.set('state', params.state);
      if (params.code) query.set('code', params.code);
      if (params.error) query.set('error', params.error);
      return http.request('GET', `${PREFIX}/oidc/callback?${query.toString()}`);
    },
  };
}
