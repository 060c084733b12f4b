#include "keys.h"

#include "hash.h"

#include <QMutex>
#include <QMutexLocker>
#include <QSet>

#include <atomic>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

namespace mg::crypto {

namespace {

const unsigned char *bytesOf(QByteArrayView v)
{
    // OpenSSL wants a non-null pointer even for an empty message.
    static const unsigned char empty = 0;
    return v.isEmpty() ? &empty : reinterpret_cast<const unsigned char *>(v.data());
}

QByteArray rawKey(EVP_PKEY *pkey, bool isPrivate)
{
    QByteArray out(isPrivate ? PrivateKeySize : PublicKeySize, Qt::Uninitialized);
    size_t len = size_t(out.size());
    auto *buf = reinterpret_cast<unsigned char *>(out.data());
    const int rc = isPrivate ? EVP_PKEY_get_raw_private_key(pkey, buf, &len)
                             : EVP_PKEY_get_raw_public_key(pkey, buf, &len);
    if (rc != 1 || len != size_t(out.size()))
        qFatal("mg::crypto: cannot export an Ed25519 key");
    return out;
}

} // namespace

struct KeyPair::Impl
{
    explicit Impl(EVP_PKEY *key)
        : pkey(key), publicKey(rawKey(key, false)), privateKey(rawKey(key, true))
    {}
    ~Impl()
    {
        EVP_PKEY_free(pkey);
        OPENSSL_cleanse(privateKey.data(), size_t(privateKey.size()));
    }
    Impl(const Impl &) = delete;
    Impl &operator=(const Impl &) = delete;

    // Created once and only read afterwards: OpenSSL allows concurrent use of a const EVP_PKEY.
    EVP_PKEY *pkey;
    QByteArray publicKey;
    QByteArray privateKey;
};

KeyPair KeyPair::generate()
{
    // Drawing the seed ourselves keeps one construction path (fromPrivateKey) for all keys.
    const QByteArray seed = randomBytes(PrivateKeySize);
    auto key = fromPrivateKey(seed);
    if (!key)
        qFatal("mg::crypto: Ed25519 key generation failed");
    return key.value();
}

Result<KeyPair> KeyPair::fromPrivateKey(QByteArrayView seed32)
{
    if (seed32.size() != PrivateKeySize) {
        return Result<KeyPair>::fail(QStringLiteral("crypto.key"),
                                     QStringLiteral("private key must be %1 bytes, got %2")
                                         .arg(PrivateKeySize).arg(seed32.size()));
    }
    EVP_PKEY *pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, bytesOf(seed32),
                                                  size_t(seed32.size()));
    if (!pkey)
        return Result<KeyPair>::fail(QStringLiteral("crypto.key"), QStringLiteral("OpenSSL rejected the private key"));
    KeyPair kp;
    kp.m_impl = std::make_shared<const Impl>(pkey);
    return kp;
}

QByteArray KeyPair::publicKey() const
{
    return m_impl ? m_impl->publicKey : QByteArray();
}

QByteArray KeyPair::privateKey() const
{
    return m_impl ? m_impl->privateKey : QByteArray();
}

QByteArray KeyPair::sign(QByteArrayView message) const
{
    Q_ASSERT(m_impl);
    if (!m_impl)
        return {};
    // A fresh context per call: contexts are not shareable between threads, the key is.
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    QByteArray sig(SignatureSize, Qt::Uninitialized);
    size_t len = size_t(sig.size());
    const bool good = ctx && EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, m_impl->pkey) == 1
        && EVP_DigestSign(ctx, reinterpret_cast<unsigned char *>(sig.data()), &len, bytesOf(message),
                          size_t(message.size())) == 1
        && len == size_t(SignatureSize);
    EVP_MD_CTX_free(ctx);
    if (!good)
        qFatal("mg::crypto: Ed25519 signing failed");
    return sig;
}

bool verifySignature(QByteArrayView publicKey, QByteArrayView message, QByteArrayView signature)
{
    if (publicKey.size() != PublicKeySize || signature.size() != SignatureSize)
        return false;
    EVP_PKEY *pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, bytesOf(publicKey),
                                                 size_t(publicKey.size()));
    if (!pkey)
        return false;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    const bool good = ctx && EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, pkey) == 1
        && EVP_DigestVerify(ctx, bytesOf(signature), size_t(signature.size()), bytesOf(message),
                            size_t(message.size())) == 1;
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pkey);
    return good;
}

// ---- SignatureCache ----

struct SignatureCache::Impl
{
    mutable QMutex mutex;
    QSet<Hash256> entries; // guarded by mutex
    qsizetype capacity = 200'000; // guarded by mutex; 200k * ~40 B ~ 8 MiB
    std::atomic<quint64> hits{0};
    std::atomic<quint64> misses{0};

    // Called with the mutex held.
    void makeRoom()
    {
        if (entries.size() < capacity)
            return;
        // Drop an eighth in one pass: keys are SHA-256 outputs, so iteration order is arbitrary,
        // and batching keeps eviction amortised O(1) (erasing begin() one by one rescans).
        qsizetype toDrop = qMax<qsizetype>(1, capacity / 8) + (entries.size() - capacity);
        for (auto it = entries.begin(); it != entries.end() && toDrop > 0; --toDrop)
            it = entries.erase(it);
    }
};

SignatureCache::SignatureCache() : d(std::make_unique<Impl>()) {}

SignatureCache &SignatureCache::instance()
{
    static SignatureCache cache;
    return cache;
}

bool SignatureCache::verify(QByteArrayView publicKey, QByteArrayView message, QByteArrayView signature)
{
    if (publicKey.size() != PublicKeySize || signature.size() != SignatureSize) {
        d->misses.fetch_add(1, std::memory_order_relaxed);
        return false;
    }
    // The message is hashed first so the key is fixed-size; the triple is then hashed as one.
    const Hash256 msgHash = sha256(message);
    const auto msgHashBytes = QByteArrayView(reinterpret_cast<const char *>(msgHash.bytes.data()), Hash256::Size);
    const Hash256 key = sha256({publicKey, msgHashBytes, signature});
    {
        QMutexLocker lock(&d->mutex);
        if (d->entries.contains(key)) {
            d->hits.fetch_add(1, std::memory_order_relaxed);
            return true;
        }
    }
    d->misses.fetch_add(1, std::memory_order_relaxed);
    // Verified without the lock so threads verify in parallel; two threads may race to verify the
    // same triple, which costs one redundant verification and is harmless.
    if (!verifySignature(publicKey, message, signature))
        return false;
    QMutexLocker lock(&d->mutex);
    if (d->capacity > 0) {
        d->makeRoom();
        d->entries.insert(key);
    }
    return true;
}

SignatureCache::Stats SignatureCache::stats() const
{
    Stats s;
    s.hits = d->hits.load(std::memory_order_relaxed);
    s.misses = d->misses.load(std::memory_order_relaxed);
    QMutexLocker lock(&d->mutex);
    s.size = quint64(d->entries.size());
    return s;
}

void SignatureCache::clear()
{
    d->hits.store(0, std::memory_order_relaxed);
    d->misses.store(0, std::memory_order_relaxed);
    QMutexLocker lock(&d->mutex);
    d->entries.clear();
}

void SignatureCache::setCapacity(qsizetype entries)
{
    QMutexLocker lock(&d->mutex);
    d->capacity = qMax<qsizetype>(0, entries);
    if (d->capacity == 0) {
        d->entries.clear();
        return;
    }
    if (d->entries.size() > d->capacity) {
        qsizetype toDrop = d->entries.size() - d->capacity;
        for (auto it = d->entries.begin(); it != d->entries.end() && toDrop > 0; --toDrop)
            it = d->entries.erase(it);
    }
}

// ---- helpers ----

QByteArray randomBytes(int count)
{
    if (count <= 0)
        return {};
    QByteArray out(count, Qt::Uninitialized);
    if (RAND_bytes(reinterpret_cast<unsigned char *>(out.data()), count) != 1)
        qFatal("mg::crypto::randomBytes: RAND_bytes failed"); // no safe fallback for key material
    return out;
}

bool constantTimeEquals(QByteArrayView a, QByteArrayView b)
{
    // Sizes are not secret here (fixed-size hashes and tags); only the contents are.
    if (a.size() != b.size())
        return false;
    if (a.isEmpty())
        return true;
    return CRYPTO_memcmp(a.data(), b.data(), size_t(a.size())) == 0;
}

} // namespace mg::crypto
