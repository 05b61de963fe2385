import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/http';
import type { IdentityApi, IssuedCredential } from '../api/identity';
import { translator } from '../i18n';
import { Onboarding } from './Onboarding';
import {
  byTestId,
  click,
  deferred,
  inputLabel,
  isDisabled,
  queryByTestId,
  render,
  typeInto,
  waitFor,
} from './test-harness';

const issued: IssuedCredential = { credential: 'cred-1', expiresAt: 2_000_000_000, methods: ['phone'] };

function fakeIdentity(overrides: Partial<IdentityApi> = {}): IdentityApi {
  return {
    startPhoneEnrolment: vi.fn(async () => ({ enrolmentId: 'enr-1', expiresAt: 2_000_000_000 })),
    verifyPhoneEnrolment: vi.fn(async () => issued),
    startOidc: vi.fn(async () => ({
      enrolmentId: 'oidc-1',
      authorizationUrl: 'https://idp.test/authorize?state=s1',
      expiresAt: 2_000_000_000,
    })),
    completeOidc: vi.fn(async () => issued),
    ...overrides,
  };
}

async function renderOnboarding(
  identity: IdentityApi,
  props: { busy?: boolean; error?: string; onCredential?: (i: IssuedCredential) => Promise<void> } = {},
) {
  const onCredential = vi.fn(props.onCredential ?? (async () => undefined));
  const { container, rerender } = await render(
    <Onboarding
      identity={identity}
      t={translator('en')}
      onCredential={onCredential}
      busy={props.busy ?? false}
      error={props.error}
    />,
  );
  return { container, rerender, onCredential };
}

/** Phone number, "Send code", then the code form. */
async function reachCodeStep(container: HTMLElement) {
  await typeInto(byTestId(container, 'phone'), ' +32 470 12 34 56 ');
  await click(byTestId(container, 'send-code'));
  return waitFor(() => byTestId(container, 'code'));
}

afterEach(() => {
  vi.restoreAllMocks();
  sessionStorage.clear();
});

describe('Onboarding', () => {
  it('asks for the phone number, then the SMS code, and hands the issued credential over', async () => {
    const identity = fakeIdentity();
    const { container, onCredential } = await renderOnboarding(identity);

    await waitFor(() => expect(inputLabel(byTestId(container, 'phone'))).toBe('Mobile phone number'));
    expect(queryByTestId(container, 'code')).toBeNull();
    expect(isDisabled(byTestId(container, 'send-code'))).toBe(true); // nothing typed yet

    await typeInto(byTestId(container, 'phone'), ' +32 470 12 34 56 ');
    expect(isDisabled(byTestId(container, 'send-code'))).toBe(false);
    await click(byTestId(container, 'send-code'));

    const code = await waitFor(() => byTestId(container, 'code'));
    expect(identity.startPhoneEnrolment).toHaveBeenCalledWith('+32 470 12 34 56');
    expect(queryByTestId(container, 'phone')).toBeNull();
    await waitFor(() => expect(inputLabel(code)).toBe('Code received by SMS'));

    await typeInto(code, '12345');
    expect(isDisabled(byTestId(container, 'verify'))).toBe(true); // six digits needed
    await typeInto(code, '123456');
    expect(isDisabled(byTestId(container, 'verify'))).toBe(false);
    await click(byTestId(container, 'verify'));

    await waitFor(() => expect(onCredential).toHaveBeenCalledWith(issued));
    expect(identity.verifyPhoneEnrolment).toHaveBeenCalledWith('enr-1', '123456');
    expect(queryByTestId(container, 'onboarding-error')).toBeNull();
  });

  it('shows that it is working while the code is checked, and blocks a second submission', async () => {
    const pending = deferred<IssuedCredential>();
    const identity = fakeIdentity({ verifyPhoneEnrolment: vi.fn(() => pending.promise) });
    const { container, onCredential } = await renderOnboarding(identity);
    await typeInto(await reachCodeStep(container), '123456');
    await click(byTestId(container, 'verify'));

    await waitFor(() =>
      expect(container.querySelector('[role=status]')?.textContent).toBe('Setting up this device…'),
    );
    expect(isDisabled(byTestId(container, 'verify'))).toBe(true);
    expect(isDisabled(byTestId(container, 'oidc'))).toBe(true);

    pending.resolve(issued);
    await waitFor(() => expect(onCredential).toHaveBeenCalledOnce());
    await waitFor(() => expect(container.querySelector('[role=status]')).toBeNull());
  });

  it('says the code was wrong and lets the citizen try again', async () => {
    const verify = vi
      .fn<IdentityApi['verifyPhoneEnrolment']>()
      .mockRejectedValueOnce(new ApiError(400, 'Code rejected', 'The code is not the one that was sent'))
      .mockResolvedValueOnce(issued);
    const { container, onCredential } = await renderOnboarding(
      fakeIdentity({ verifyPhoneEnrolment: verify }),
    );
    const code = await reachCodeStep(container);
    await typeInto(code, '000000');
    await click(byTestId(container, 'verify'));

    const alert = await waitFor(() => byTestId(container, 'onboarding-error'));
    expect(alert.getAttribute('role')).toBe('alert');
    expect(alert.textContent).toBe('Code rejected: The code is not the one that was sent');
    expect(onCredential).not.toHaveBeenCalled();

    await typeInto(code, '123456');
    await click(byTestId(container, 'verify'));
    await waitFor(() => expect(onCredential).toHaveBeenCalledWith(issued));
    expect(queryByTestId(container, 'onboarding-error')).toBeNull();
  });

  it('says the enrolment is locked after too many wrong codes', async () => {
    const identity = fakeIdentity({
      verifyPhoneEnrolment: vi.fn(async () => {
        throw new ApiError(423, 'Enrolment locked', 'Too many wrong codes: start a new enrolment');
      }),
    });
    const { container, onCredential } = await renderOnboarding(identity);
    await typeInto(await reachCodeStep(container), '999999');
    await click(byTestId(container, 'verify'));

    await waitFor(() =>
      expect(byTestId(container, 'onboarding-error').textContent).toBe(
        'Enrolment locked: Too many wrong codes: start a new enrolment',
      ),
    );
    expect(onCredential).not.toHaveBeenCalled();
  });

  it('explains a failure that is not an API answer (e.g. no network)', async () => {
    const identity = fakeIdentity({
      startPhoneEnrolment: vi.fn(async () => {
        throw new TypeError('Failed to fetch');
      }),
    });
    const { container } = await renderOnboarding(identity);
    await typeInto(byTestId(container, 'phone'), '+32470123456');
    await click(byTestId(container, 'send-code'));

    await waitFor(() =>
      expect(byTestId(container, 'onboarding-error').textContent).toBe(
        'Something went wrong: Failed to fetch',
      ),
    );
    expect(queryByTestId(container, 'code')).toBeNull(); // still on the phone step
    expect(isDisabled(byTestId(container, 'send-code'))).toBe(false);
  });

  it('shows an error from the registration that follows (e.g. a failed OIDC return)', async () => {
    const { container } = await renderOnboarding(fakeIdentity(), { error: 'Sign-in cancelled' });
    expect(byTestId(container, 'onboarding-error').textContent).toBe('Sign-in cancelled');
  });

  it('sends the citizen to the identity provider for strong authentication', async () => {
    const assign = vi.spyOn(window.location, 'assign').mockImplementation(() => undefined);
    const identity = fakeIdentity();
    const { container } = await renderOnboarding(identity);
    const oidc = byTestId(container, 'oidc');
    expect(oidc.textContent).toBe('Sign in with itsme® / eID');

    await click(oidc);

    await waitFor(() => expect(assign).toHaveBeenCalledWith('https://idp.test/authorize?state=s1'));
    expect(identity.startOidc).toHaveBeenCalledOnce();
    // The reloaded app finishes the enrolment it started.
    expect(sessionStorage.getItem('smis-oidc-pending')).toBe('oidc-1');
  });

  it('stays on the page with a message when strong authentication cannot start', async () => {
    const assign = vi.spyOn(window.location, 'assign').mockImplementation(() => undefined);
    const identity = fakeIdentity({
      startOidc: vi.fn(async () => {
        throw new ApiError(503, 'Service Unavailable', 'OpenID Connect is not configured');
      }),
    });
    const { container } = await renderOnboarding(identity);
    await click(byTestId(container, 'oidc'));

    await waitFor(() =>
      expect(byTestId(container, 'onboarding-error').textContent).toBe(
        'Service Unavailable: OpenID Connect is not configured',
      ),
    );
    expect(assign).not.toHaveBeenCalled();
    expect(sessionStorage.getItem('smis-oidc-pending')).toBeNull();
  });

  it('disables strong authentication while the app registers the device', async () => {
    const { container } = await renderOnboarding(fakeIdentity(), { busy: true });
    expect(isDisabled(byTestId(container, 'oidc'))).toBe(true);
    expect(container.querySelector('[role=status]')?.textContent).toBe('Setting up this device…');
  });
});
