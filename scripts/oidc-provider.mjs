// A real OpenID provider on loopback for the browser test (scripts/browser_oidc.py): the
// `oidc-provider` npm package (a certified OpenID Connect implementation), with two public clients
// for Covenant (authorization code with PKCE), as two partner organisations would each register
// it: `covenant` (Covenant's "Lincolnshire County Council" provider) and `covenant-wld` ("West
// Lindsey District Council"); and three illustrative people: `hwb-clerk`, in the group
// `hwb-secretariat` that covenant.toml's rule makes a secretariat; `wld-officer`, at
// west-lindsey.gov.uk in the group `covenant-housing` that a rule makes a contributor for West
// Lindsey; and `visitor`, in no group any rule names. Sign-in is the package's own development
// login page (any password); consent is taken as given, as for an organisation's own application;
// signing out (RP-initiated logout) asks to confirm and returns to Covenant's sign-in page.
// Prints "ready" once listening.
//
// usage: node scripts/oidc-provider.mjs MODULES PORT COVENANT_URL
// where MODULES is the node_modules directory the package was installed in (kept outside the
// repository by scripts/browser-test).
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [modules, port, covenant] = process.argv.slice(2);
if (!modules || !port || !covenant) {
  console.error('usage: node scripts/oidc-provider.mjs MODULES PORT COVENANT_URL');
  process.exit(2);
}
const { default: Provider } = await import(pathToFileURL(join(modules, 'oidc-provider', 'lib', 'index.js')).href);
const issuer = `http://127.0.0.1:${port}`;

// The people are illustrative; the groups are the ones the rules in docs/sign-in.md name.
const people = {
  'hwb-clerk': {
    name: 'Hwb Clerk (illustrative)',
    email: 'hwb.clerk@lincolnshire.gov.uk',
    groups: ['hwb-secretariat'],
  },
  'wld-officer': {
    name: 'Housing Officer (illustrative)',
    email: 'housing.officer@west-lindsey.gov.uk',
    groups: ['covenant-housing'],
  },
  visitor: {
    name: 'Visitor (illustrative)',
    email: 'visitor@example.org',
    groups: ['volunteers'],
  },
};

const provider = new Provider(issuer, {
  clients: ['covenant', 'covenant-wld'].map((id) => ({
    client_id: id,
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    redirect_uris: [`${covenant}/dashboard/sign-in/callback`],
    post_logout_redirect_uris: [`${covenant}/dashboard/sign-in`],
  })),
  // Covenant reads the person's claims from the ID token alone.
  conformIdTokenClaims: false,
  claims: {
    openid: ['sub', 'groups'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  async findAccount(ctx, id) {
    const person = people[id];
    if (!person) {
      return undefined;
    }
    return {
      accountId: id,
      async claims() {
        return { sub: id, name: person.name, email: person.email, email_verified: true, groups: person.groups };
      },
    };
  },
  // Consent is given: Covenant is the organisation's own application.
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({
      accountId: ctx.oidc.session.accountId,
      clientId: ctx.oidc.client.clientId,
    });
    grant.addOIDCScope('openid email profile');
    grant.addOIDCClaims(['sub', 'name', 'email', 'email_verified', 'groups']);
    await grant.save();
    return grant;
  },
  features: { devInteractions: { enabled: true } },
  pkce: { required: () => true },
});

provider.listen(Number(port), '127.0.0.1', () => {
  console.log('ready');
});
