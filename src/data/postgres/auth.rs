//! Password authentication: SCRAM-SHA-256 (RFC 5802/7677, without channel binding; `ring`
//! gives HMAC, PBKDF2, SHA-256 and the nonce) and the older MD5 scheme (MD5 of RFC 1321, here,
//! since it is a few lines and no crate of the tree has it). Base64 is here too, for SCRAM.

use super::PgError;
use ring::{digest, hmac, pbkdf2, rand::SecureRandom};
use std::num::NonZeroU32;

/// One SCRAM-SHA-256 exchange, from the client's first message to the server's signature.
pub struct Scram {
    password: Vec<u8>,
    nonce: String,
    client_first_bare: String,
    /// The server's signature expected in its final message (once the proof is sent).
    server_signature: Option<Vec<u8>>,
}

/// The GS2 header: no channel binding ("n,,"), base64 in the final message.
const GS2: &str = "n,,";

impl Scram {
    /// Starts an exchange with a fresh random nonce.
    pub fn new(password: &str) -> Result<Scram, PgError> {
        let mut raw = [0u8; 18];
        ring::rand::SystemRandom::new()
            .fill(&mut raw)
            .map_err(|_| PgError::auth("no random numbers for the SCRAM nonce"))?;
        Ok(Scram::with_nonce(password, &base64(&raw)))
    }

    fn with_nonce(password: &str, nonce: &str) -> Scram {
        Scram {
            // SASLprep is not applied: PostgreSQL uses the password as is when it is not
            // valid SASLprep input, and as is too for ASCII.
            password: password.as_bytes().to_vec(),
            nonce: nonce.to_string(),
            // The user name is the startup message's; PostgreSQL ignores this one.
            client_first_bare: format!("n=,r={nonce}"),
            server_signature: None,
        }
    }

    /// The client-first message.
    pub fn client_first(&self) -> String {
        format!("{GS2}{}", self.client_first_bare)
    }

    /// The client-final message answering `server_first`.
    pub fn client_final(&mut self, server_first: &str) -> Result<String, PgError> {
        let bad = |what: &str| PgError::auth(format!("unexpected SCRAM server message: {what}"));
        let mut nonce = None;
        let mut salt = None;
        let mut iterations = None;
        for part in server_first.split(',') {
            match part.split_at_checked(2) {
                Some(("r=", v)) => nonce = Some(v),
                Some(("s=", v)) => salt = Some(unbase64(v).ok_or_else(|| bad("bad salt"))?),
                Some(("i=", v)) => {
                    iterations = Some(
                        v.parse::<u32>()
                            .ok()
                            .and_then(NonZeroU32::new)
                            .ok_or_else(|| bad("bad iteration count"))?,
                    )
                }
                _ => {}
            }
        }
        let (Some(nonce), Some(salt), Some(iterations)) = (nonce, salt, iterations) else {
            return Err(bad("missing nonce, salt or iteration count"));
        };
        if !nonce.starts_with(&self.nonce) || nonce.len() == self.nonce.len() {
            return Err(bad("the server's nonce does not extend the client's"));
        }
        let mut salted = [0u8; 32];
        pbkdf2::derive(
            pbkdf2::PBKDF2_HMAC_SHA256,
            iterations,
            &salt,
            &self.password,
            &mut salted,
        );
        let salted = hmac::Key::new(hmac::HMAC_SHA256, &salted);
        let client_key = hmac::sign(&salted, b"Client Key");
        let stored_key = digest::digest(&digest::SHA256, client_key.as_ref());
        let without_proof = format!("c={},r={nonce}", base64(GS2.as_bytes()));
        let auth_message = format!("{},{server_first},{without_proof}", self.client_first_bare);
        let signature = hmac::sign(
            &hmac::Key::new(hmac::HMAC_SHA256, stored_key.as_ref()),
            auth_message.as_bytes(),
        );
        let proof: Vec<u8> = client_key
            .as_ref()
            .iter()
            .zip(signature.as_ref())
            .map(|(k, s)| k ^ s)
            .collect();
        let server_key = hmac::sign(&salted, b"Server Key");
        self.server_signature = Some(
            hmac::sign(
                &hmac::Key::new(hmac::HMAC_SHA256, server_key.as_ref()),
                auth_message.as_bytes(),
            )
            .as_ref()
            .to_vec(),
        );
        Ok(format!("{without_proof},p={}", base64(&proof)))
    }

    /// Checks the server-final message: the server knew the password too.
    pub fn verify(&self, server_final: &str) -> Result<(), PgError> {
        if let Some(error) = server_final.strip_prefix("e=") {
            return Err(PgError::auth(format!(
                "the server refused the SCRAM proof: {error}"
            )));
        }
        let signature = server_final
            .split(',')
            .find_map(|p| p.strip_prefix("v="))
            .and_then(unbase64);
        match (&self.server_signature, signature) {
            (Some(expected), Some(got)) if *expected == got => Ok(()),
            _ => Err(PgError::auth(
                "the server's SCRAM signature is wrong (the server does not know the password: \
                 not the server expected?)",
            )),
        }
    }
}

/// The MD5 password message: `md5` + hex(md5(hex(md5(password + user)) + salt)).
pub fn md5_password(user: &str, password: &str, salt: [u8; 4]) -> String {
    let inner = hex(&md5([password.as_bytes(), user.as_bytes()].concat()));
    let outer = hex(&md5([inner.as_bytes(), &salt].concat()));
    format!("md5{outer}")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// MD5 (RFC 1321) of `data`.
fn md5(mut data: Vec<u8>) -> [u8; 16] {
    const S: [u32; 64] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5,
        9, 14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10,
        15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ];
    // K[i] = floor(2^32 · |sin(i + 1)|).
    let k: Vec<u32> = (0..64)
        .map(|i| ((i as f64 + 1.0).sin().abs() * 4_294_967_296.0) as u32)
        .collect();
    let bits = (data.len() as u64).wrapping_mul(8);
    data.push(0x80);
    while data.len() % 64 != 56 {
        data.push(0);
    }
    data.extend_from_slice(&bits.to_le_bytes());
    let mut state: [u32; 4] = [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476];
    for block in data.chunks_exact(64) {
        let m: Vec<u32> = block
            .chunks_exact(4)
            .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
            .collect();
        let [mut a, mut b, mut c, mut d] = state;
        for i in 0..64 {
            let (f, g) = match i / 16 {
                0 => ((b & c) | (!b & d), i),
                1 => ((d & b) | (!d & c), (5 * i + 1) % 16),
                2 => (b ^ c ^ d, (3 * i + 5) % 16),
                _ => (c ^ (b | !d), (7 * i) % 16),
            };
            let f = f.wrapping_add(a).wrapping_add(k[i]).wrapping_add(m[g]);
            a = d;
            d = c;
            c = b;
            b = b.wrapping_add(f.rotate_left(S[i]));
        }
        for (s, v) in state.iter_mut().zip([a, b, c, d]) {
            *s = s.wrapping_add(v);
        }
    }
    let mut out = [0u8; 16];
    for (chunk, s) in out.chunks_exact_mut(4).zip(state) {
        chunk.copy_from_slice(&s.to_le_bytes());
    }
    out
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Standard base64 with padding; None when malformed.
fn unbase64(text: &str) -> Option<Vec<u8>> {
    let text = text.as_bytes();
    if !text.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    for chunk in text.chunks(4) {
        let pad = chunk.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 {
            return None;
        }
        let mut n = 0u32;
        for (i, &c) in chunk[..4 - pad].iter().enumerate() {
            let v = ALPHABET.iter().position(|&a| a == c)? as u32;
            n |= v << (18 - 6 * i);
        }
        out.extend_from_slice(&n.to_be_bytes()[1..4 - pad]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_and_base64_match_their_test_vectors() {
        assert_eq!(hex(&md5(Vec::new())), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(
            hex(&md5(
                b"12345678901234567890123456789012345678901234567890123456789012345678901234567890"
                    .to_vec()
            )),
            "57edf4a22be3c955ac49da2e2107b67a"
        );
        assert_eq!(base64(b"foob"), "Zm9vYg==");
        assert_eq!(base64(b"fooba"), "Zm9vYmE=");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        for text in ["", "f", "fo", "foo", "foob", "fooba", "foobar"] {
            assert_eq!(
                unbase64(&base64(text.as_bytes())).as_deref(),
                Some(text.as_bytes())
            );
        }
        assert_eq!(unbase64("Zm9v!mFy"), None);
        // PostgreSQL's own example: md5 of "md5" + md5(password || user), salted.
        let p = md5_password("postgres", "secret", [1, 2, 3, 4]);
        assert_eq!(p.len(), 35);
        assert!(p.starts_with("md5"));
    }

    #[test]
    fn scram_matches_the_rfc_7677_example() {
        // RFC 7677 section 3, with the user name left empty as PostgreSQL's clients send it:
        // the proof changes with the bare message, so it is checked through the server
        // signature a server would compute the same way.
        let mut scram = Scram::with_nonce("pencil", "rOprNGfwEbeRWgbNEkqO");
        assert_eq!(scram.client_first(), "n,,n=,r=rOprNGfwEbeRWgbNEkqO");
        let server_first = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
        let last = scram.client_final(server_first).expect("client final");
        assert!(last.starts_with("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p="));
        // With the RFC's bare message ("n=user,..."), the RFC's proof and signature.
        let mut rfc = Scram::with_nonce("pencil", "rOprNGfwEbeRWgbNEkqO");
        rfc.client_first_bare = "n=user,r=rOprNGfwEbeRWgbNEkqO".into();
        assert_eq!(
            rfc.client_final(server_first).expect("client final"),
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
        );
        rfc.verify("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")
            .expect("the RFC's server signature");
        assert!(rfc.verify("v=AAAA").is_err());
        let refused = rfc.verify("e=invalid-proof").expect_err("refused");
        assert!(refused.to_string().contains("invalid-proof"));
        // A nonce that does not extend the client's is refused.
        let mut other = Scram::with_nonce("pencil", "abc");
        assert!(other.client_final("r=xyz123,s=QUJD,i=4096").is_err());
    }
}
