// A real OpenID provider on loopback for the browser test (scripts/browser_oidc.py): the
// `oidc-provider` npm package (a certified OpenID Connect implementation), with one public client
// for Covenant (authorization code with PKCE) and two illustrative people: `hwb-clerk`, in the
// group `hwb-secretariat` that covenant.toml's rule makes a secretariat, and `visitor`, in no
// group any rule names. Sign-in is the package's own development login page (any password);
// consent is taken as given, as for an organisation's own application. Prints "ready" once
// listening.
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

// The people are illustrative; the group is the one the seed papers' Health and Wellbeing Board
// rule names in docs/sign-in.md.
const people = {
  'hwb-clerk': {
    name: 'Hwb Clerk (illustrative)',
    email: 'hwb.clerk@lincolnshire.gov.uk',
    groups: ['hwb-secretariat'],
  },
  visitor: {
    name: 'Visitor (illustrative)',
    email: 'visitor@example.org',
    groups: ['volunteers'],
  },
};

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'covenant',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    redirect_uris: [`${covenant}/dashboard/sign-in/callback`],
    post_logout_redirect_uris: [`${covenant}/dashboard/sign-in`],
  }],
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
