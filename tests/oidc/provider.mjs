// A real OpenID provider for the SSO tests: node-oidc-provider (OpenID Certified) on loopback.
// Usage: node provider.mjs CONFIG.json   (written by tests/oidc_provider.py)
//   { "issuer": "http://127.0.0.1:PORT", "port": PORT, "jwks": {"keys": [private JWKs]},
//     "clients": [...client metadata...], "users": [{"login", "password", "sub", "claims": {...}}] }
// Its own login page checks the users' passwords; consent is given automatically (a first-party
// client). PKCE is required. RP-initiated logout asks "¿Cerrar sesión?" with one button.
// Test hook: POST /_test/tamper?mode=firma|off — every ID token the token endpoint returns
// afterwards has one claim changed and keeps its signature (a tampered token in transit).
import http from "node:http";
import { readFileSync } from "node:fs";
import Provider from "oidc-provider";

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
const users = new Map(config.users.map((u) => [u.sub, u]));
const byLogin = new Map(config.users.map((u) => [u.login, u]));
let tamper = "off";

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title, body) => `<!doctype html><html lang="es"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:420px;margin:3rem auto;padding:0 1rem}
label,input,button{display:block;width:100%;margin:.4rem 0;font-size:1.05rem}input,button{padding:.6rem}
.err{color:#b42318}</style></head><body><h1>${esc(title)}</h1>${body}</body></html>`;

const provider = new Provider(config.issuer, {
  clients: config.clients,
  jwks: config.jwks,
  cookies: { keys: ["clave-de-cookies-de-prueba-1"] },
  findAccount: async (ctx, sub) => {
    const user = users.get(sub);
    if (!user) return undefined;
    return { accountId: sub, claims: async () => ({ sub, ...user.claims }) };
  },
  claims: {
    openid: ["sub"],
    email: ["email", "email_verified"],
    profile: ["name", "preferred_username"],
    groups: ["groups"],
  },
  scopes: ["openid", "email", "profile", "groups"],
  conformIdTokenClaims: false, // the claims of the scopes asked go in the ID token itself
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: async (ctx, form) => {
        ctx.body = page("¿Cerrar sesión en el proveedor?",
          `${form}<button form="op.logoutForm" name="logout" value="yes" id="cerrar-idp">Sí, cerrar sesión</button>`);
      },
      postLogoutSuccessSource: async (ctx) => { ctx.body = page("Sesión cerrada", "<p>Cerró su sesión.</p>"); },
    },
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
  renderError: async (ctx, out) => { ctx.type = "html"; ctx.body = page("Error del proveedor", `<pre>${esc(JSON.stringify(out))}</pre>`); },
});

provider.use(async (ctx, next) => {
  await next();
  if (ctx.path === "/token" && tamper === "firma" && ctx.body && ctx.body.id_token) {
    const [h, p, s] = ctx.body.id_token.split(".");
    const claims = JSON.parse(Buffer.from(p, "base64url").toString());
    claims.email = "otra.persona@demo.sgd.pe"; // the signature no longer covers the payload
    ctx.body = { ...ctx.body, id_token: [h, Buffer.from(JSON.stringify(claims)).toString("base64url"), s].join(".") };
  }
});

const readForm = (req) => new Promise((resolve, reject) => {
  let data = "";
  req.on("data", (c) => { data += c; if (data.length > 10000) req.destroy(); });
  req.on("end", () => resolve(new URLSearchParams(data)));
  req.on("error", reject);
});

const loginForm = (uid, error = "") => page("Cuenta institucional", `
${error ? `<p class="err" role="alert">${esc(error)}</p>` : ""}
<form method="post" action="/interaction/${esc(uid)}/login" autocomplete="off">
<label for="login">Usuario</label><input id="login" name="login" required>
<label for="password">Contraseña</label><input id="password" name="password" type="password" required>
<button type="submit" id="entrar">Entrar</button></form>`);

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error("interaction mismatch");
  const { prompt, params, session } = details;
  if (prompt.name === "login" && action === "login" && req.method === "POST") {
    const form = await readForm(req);
    const user = byLogin.get(form.get("login") || "");
    if (!user || user.password !== form.get("password")) {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      return res.end(loginForm(uid, "Usuario o contraseña incorrectos."));
    }
    return provider.interactionFinished(req, res, { login: { accountId: user.sub } }, { mergeWithLastSubmission: false });
  }
  if (prompt.name === "login") {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    return res.end(loginForm(uid));
  }
  if (prompt.name === "consent") {
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(" "));
    if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
    const grantId = await grant.save();
    return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }
  throw new Error(`prompt ${prompt.name} not handled`);
}

const callback = provider.callback();
const server = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url, config.issuer);
    if (url.pathname === "/_test/tamper" && req.method === "POST") {
      tamper = url.searchParams.get("mode") || "off";
      res.writeHead(204);
      return res.end();
    }
    const m = url.pathname.match(/^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login))?$/);
    if (m) return await interaction(req, res, m[1], m[2]);
    return callback(req, res);
  } catch (err) {
    res.writeHead(400, { "content-type": "text/plain; charset=utf-8" });
    res.end(`error: ${err && err.message}`);
  }
});
server.listen(config.port, "127.0.0.1", () => console.log(`oidc-provider listo en ${config.issuer}`));
