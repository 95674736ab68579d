// Keys and tokens for the auth tests, made by an independent implementation
// (the npm package jose): RS256 and ES256 key pairs generated per run, their
// public halves written as a JWKS file, an HS256 secret file, and a signer.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair } from 'jose';

export const ISSUER = 'https://issuer.example.com/pool';
export const AUDIENCE = 'gqld-client';
export const HS_SECRET = 'a-shared-secret-of-at-least-32-bytes-long!';

export async function makeKeys() {
  const rsa = await generateKeyPair('RS256', { extractable: true });
  const ec = await generateKeyPair('ES256', { extractable: true });
  const stranger = await generateKeyPair('RS256', { extractable: true }); // in no JWKS
  const rsaJwk = { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', use: 'sig', alg: 'RS256' };
  const ecJwk = { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', use: 'sig', alg: 'ES256' };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gqld-auth-'));
  const jwksFile = path.join(dir, 'jwks.json');
  // An encryption key and an unknown curve too: real providers publish such keys, they are skipped.
  const encJwk = { ...(await exportJWK(stranger.publicKey)), kid: 'enc-1', use: 'enc' };
  writeFileSync(jwksFile, JSON.stringify({ keys: [rsaJwk, ecJwk, encJwk] }));
  const secretFile = path.join(dir, 'hs256.secret');
  writeFileSync(secretFile, `${HS_SECRET}\n`);
  return {
    dir,
    jwksFile,
    secretFile,
    rsa,
    ec,
    stranger,
    rsaJwk,
    ecJwk,
    rsaPublicPem: await exportSPKI(rsa.publicKey),
  };
}

// A signed token: alg RS256 (default), ES256 or HS256; claims merged over valid defaults.
export async function mint(keys, claims = {}, { alg = 'RS256', kid, header = {}, key, signOptions } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const body = { iss: ISSUER, aud: AUDIENCE, iat: now, exp: now + 600, ...claims };
  for (const [k, v] of Object.entries(body)) if (v === undefined) delete body[k];
  const signingKey =
    key ?? (alg === 'RS256' ? keys.rsa.privateKey : alg === 'ES256' ? keys.ec.privateKey : new TextEncoder().encode(HS_SECRET));
  const protectedHeader = { alg, ...(alg === 'HS256' ? {} : { kid: kid ?? (alg === 'RS256' ? 'rsa-1' : 'ec-1') }), ...header };
  return new SignJWT(body).setProtectedHeader(protectedHeader).sign(signingKey, signOptions);
}

// The public half of a 1024-bit RSA key as a JWK (kid given): what a careless provider may still publish.
// Made with node:crypto, since jose refuses to make RSA keys under 2048 bits.
export function weakRsaJwk(kid) {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  return { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' };
}

export const b64url = (s) => Buffer.from(s).toString('base64url');

// The settings that make gqld verify the tokens mint() makes.
export function jwtEnv(keys, extra = {}) {
  return {
    AUTH_MODE: 'jwt',
    JWT_ALGORITHMS: 'RS256,ES256,HS256',
    JWT_JWKS_FILE: keys.jwksFile,
    JWT_HS256_SECRET_FILE: keys.secretFile,
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
    ...extra,
  };
}

export function bearer(token) {
  return { authorization: `Bearer ${token}` };
}
