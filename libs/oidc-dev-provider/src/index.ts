// @smis/oidc-dev-provider: a local OpenID Connect provider with test citizens, for development
// and tests of the identity service's strong-authentication enrolment. Never for production.
export {
  startDevOidcProvider,
  type DevCitizen,
  type DevClient,
  type DevOidcProvider,
  type DevOidcProviderOptions,
} from './dev-oidc-provider';
