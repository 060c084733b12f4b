#pragma once

#include "core/common/result.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

namespace mg::crypto {

// scrypt cost. Defaults follow the common interactive setting (N=2^15, r=8, p=1, ~32 MiB);
// tests and seeded demos may lower N explicitly.
struct ScryptParams
{
    quint8 log2N = 15;
    quint32 r = 8;
    quint32 p = 1;
};

// Encrypts a secret (a private key) with a key derived by scrypt from a password, AES-256-GCM.
// Blob layout (all big-endian): magic "MGKS" | version u8 (1) | log2N u8 | r u32 | p u32 |
// salt (16) | nonce (12) | tag (16) | ciphertext. The header is authenticated as GCM AAD.
// Errors: "keystore.format" (blob malformed, names what), "keystore.password" (wrong password or
// tampered blob: GCM tag mismatch), "keystore.params" (cost out of the accepted range).
QByteArray encryptSecret(QByteArrayView secret, const QString &password, const ScryptParams &params = {});
Result<QByteArray> decryptSecret(QByteArrayView blob, const QString &password);

// Password hashing for console users: "scrypt$<log2N>$<r>$<p>$<salt hex>$<hash hex>".
QString hashPassword(const QString &password, const ScryptParams &params = {});
// Constant-time compare; false for a malformed stored hash.
bool verifyPassword(const QString &password, const QString &stored);

} // namespace mg::crypto
