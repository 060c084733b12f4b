#pragma once

#include "core/common/result.h"

#include <QByteArray>
#include <QByteArrayView>

#include <memory>

namespace mg::crypto {

constexpr int PublicKeySize = 32;
constexpr int PrivateKeySize = 32;
constexpr int SignatureSize = 64;

// An Ed25519 key pair. Cheap to copy (shares the OpenSSL key object); thread-safe to sign with.
class KeyPair
{
public:
    KeyPair() = default; // null
    static KeyPair generate();
    // Deterministic key from a 32-byte seed (used for seeded, reproducible simulations).
    static Result<KeyPair> fromPrivateKey(QByteArrayView seed32);

    bool isNull() const { return !m_impl; }
    QByteArray publicKey() const;  // 32 bytes
    QByteArray privateKey() const; // 32 bytes (the seed); handle with care
    QByteArray sign(QByteArrayView message) const; // 64 bytes

private:
    struct Impl;
    std::shared_ptr<const Impl> m_impl;
};

// Plain Ed25519 verification (no cache). False on any malformed key or signature.
bool verifySignature(QByteArrayView publicKey, QByteArrayView message, QByteArrayView signature);

// Process-wide, thread-safe cache of verified (key, message-hash, signature) triples, so a
// signature seen by many in-process nodes is verified once (as Bitcoin Core's sigcache).
// Only successes are cached; the cache is bounded and evicts arbitrary entries when full.
class SignatureCache
{
public:
    static SignatureCache &instance();

    bool verify(QByteArrayView publicKey, QByteArrayView message, QByteArrayView signature);

    struct Stats { quint64 hits = 0; quint64 misses = 0; quint64 size = 0; };
    Stats stats() const;
    void clear();
    void setCapacity(qsizetype entries);

private:
    SignatureCache();
    struct Impl;
    std::unique_ptr<Impl> d;
};

// Convenience: verification through the process-wide cache.
inline bool verifyCached(QByteArrayView publicKey, QByteArrayView message, QByteArrayView signature)
{
    return SignatureCache::instance().verify(publicKey, message, signature);
}

// Cryptographically secure random bytes.
QByteArray randomBytes(int count);

// Constant-time equality (for password hashes and MACs).
bool constantTimeEquals(QByteArrayView a, QByteArrayView b);

} // namespace mg::crypto
