/**
 * OpenID for Verifiable Credential Issuance 1.0, section 4.1: a credential offer travels by value
 * (`credential_offer`, JSON) or by reference (`credential_offer_uri`, https), exactly one of them.
 * Only the registered custom scheme is accepted: an https link would open a browser, not a wallet.
 */
export const CREDENTIAL_OFFER_SCHEME = 'openid-credential-offer:';

/** Undefined when valid, else what is wrong. */
export function credentialOfferProblem(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'is not a URI';
  }
  if (url.protocol !== CREDENTIAL_OFFER_SCHEME) return `must use the ${CREDENTIAL_OFFER_SCHEME}// scheme`;
  const byValue = url.searchParams.getAll('credential_offer');
  const byReference = url.searchParams.getAll('credential_offer_uri');
  if (byValue.length + byReference.length !== 1) {
    return 'must carry exactly one credential_offer or credential_offer_uri parameter';
  }
  if (byReference.length === 1) {
    return isHttpsUrl(byReference[0]) ? undefined : 'credential_offer_uri must be an https URL';
  }
  let offer: unknown;
  try {
    offer = JSON.parse(byValue[0]);
  } catch {
    return 'credential_offer must be JSON';
  }
  if (typeof offer !== 'object' || offer === null || Array.isArray(offer)) {
    return 'credential_offer must be a JSON object';
  }
  const { credential_issuer: issuer, credential_configuration_ids: ids } = offer as Record<string, unknown>;
  if (typeof issuer !== 'string' || !isHttpsUrl(issuer)) {
    return 'credential_offer.credential_issuer must be an https URL';
  }
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => typeof id === 'string' && id !== '')) {
    return 'credential_offer.credential_configuration_ids must be a non-empty array of strings';
  }
  return undefined;
}

function isHttpsUrl(text: string): boolean {
  try {
    return new URL(text).protocol === 'https:';
  } catch {
    return false;
  }
}
