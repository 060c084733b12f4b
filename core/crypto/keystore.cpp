#include "keystore.h"

#include "keys.h"

#include <QStringList>
#include <QtEndian>

#include <openssl/crypto.h>
#include <openssl/evp.h>

namespace mg::crypto {

namespace {

constexpr char Magic[4] = {'M', 'G', 'K', 'S'};
constexpr quint8 Version = 1;
constexpr int SaltSize = 16;
constexpr int NonceSize = 12;
constexpr int TagSize = 16;
constexpr int DerivedKeySize = 32;
// magic | version | log2N | r | p | salt | nonce
constexpr int HeaderSize = 4 + 1 + 1 + 4 + 4 + SaltSize + NonceSize;
constexpr int MinBlobSize = HeaderSize + TagSize;
constexpr int PasswordHashSize = 32;

// Accepted cost range. The upper bounds cap what a hostile key file or stored hash can make us
// spend: scrypt needs about 128 * r * N bytes, i.e. 1 GiB at log2N=20, r=8.
constexpr int MinLog2N = 10, MaxLog2N = 20;
constexpr quint32 MinR = 1, MaxR = 32;
constexpr quint32 MinP = 1, MaxP = 16;
// Enough for log2N=20 with r=8 (1 GiB plus scrypt's small B buffer), refuses larger r at that N.
constexpr quint64 MaxScryptMemory = (quint64(1) << 30) + (quint64(64) << 20);

QString paramsProblem(quint32 log2N, quint32 r, quint32 p)
{
    if (log2N < quint32(MinLog2N) || log2N > quint32(MaxLog2N))
        return QStringLiteral("scrypt log2N=%1 outside [%2, %3]").arg(log2N).arg(MinLog2N).arg(MaxLog2N);
    if (r < MinR || r > MaxR)
        return QStringLiteral("scrypt r=%1 outside [%2, %3]").arg(r).arg(MinR).arg(MaxR);
    if (p < MinP || p > MaxP)
        return QStringLiteral("scrypt p=%1 outside [%2, %3]").arg(p).arg(MinP).arg(MaxP);
    // Same formula as OpenSSL's own check (V is 128*r*(N+2) bytes, B is 128*r*p).
    const quint64 need = 128ull * r * ((quint64(1) << log2N) + 2) + 128ull * r * p;
    if (need > MaxScryptMemory)
        return QStringLiteral("scrypt log2N=%1 r=%2 needs %3 MiB, above the %4 MiB limit")
            .arg(log2N).arg(r).arg(need >> 20).arg(MaxScryptMemory >> 20);
    return {};
}

// Derives 32 bytes; parameters must have passed paramsProblem(). Empty on OpenSSL failure.
QByteArray scrypt(const QString &password, QByteArrayView salt, quint32 log2N, quint32 r, quint32 p)
{
    QByteArray pass = password.toUtf8();
    QByteArray out(DerivedKeySize, Qt::Uninitialized);
    const int rc = EVP_PBE_scrypt(pass.constData(), size_t(pass.size()),
                                  reinterpret_cast<const unsigned char *>(salt.data()), size_t(salt.size()),
                                  quint64(1) << log2N, r, p, MaxScryptMemory,
                                  reinterpret_cast<unsigned char *>(out.data()), size_t(out.size()));
    OPENSSL_cleanse(pass.data(), size_t(pass.size()));
    if (rc != 1)
        return {};
    return out;
}

void wipe(QByteArray &bytes)
{
    if (!bytes.isEmpty())
        OPENSSL_cleanse(bytes.data(), size_t(bytes.size()));
}

const unsigned char *uc(const char *p) { return reinterpret_cast<const unsigned char *>(p); }
unsigned char *uc(char *p) { return reinterpret_cast<unsigned char *>(p); }

// AES-256-GCM. Returns false on any OpenSSL failure or (when decrypting) a tag mismatch.
bool gcm(bool encrypt, QByteArrayView key, QByteArrayView nonce, QByteArrayView aad,
         QByteArrayView in, QByteArray *out, QByteArray *tag)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (!ctx)
        return false;
    out->resize(in.size());
    int len = 0;
    bool good = EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), nullptr, nullptr, nullptr, encrypt ? 1 : 0) == 1
        && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, int(nonce.size()), nullptr) == 1
        && EVP_CipherInit_ex(ctx, nullptr, nullptr, uc(key.data()), uc(nonce.data()), -1) == 1
        && EVP_CipherUpdate(ctx, nullptr, &len, uc(aad.data()), int(aad.size())) == 1;
    if (good && !in.isEmpty())
        good = EVP_CipherUpdate(ctx, uc(out->data()), &len, uc(in.data()), int(in.size())) == 1 && len == in.size();
    if (good && !encrypt)
        good = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TagSize, tag->data()) == 1;
    unsigned char finalBlock[16];
    good = good && EVP_CipherFinal_ex(ctx, finalBlock, &len) == 1;
    if (good && encrypt) {
        tag->resize(TagSize);
        good = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TagSize, tag->data()) == 1;
    }
    EVP_CIPHER_CTX_free(ctx);
    if (!good) {
        wipe(*out); // never hand back unauthenticated plaintext
        out->clear();
    }
    return good;
}

Result<QByteArray> formatError(const QString &message)
{
    return Result<QByteArray>::fail(QStringLiteral("keystore.format"), message);
}

bool isLowerOrUpperHex(QStringView s)
{
    for (QChar c : s) {
        const char16_t u = c.unicode();
        if (!((u >= u'0' && u <= u'9') || (u >= u'a' && u <= u'f') || (u >= u'A' && u <= u'F')))
            return false;
    }
    return true;
}

// Strict decimal (no sign, no spaces, at most 4 digits: every accepted parameter is small).
bool parseSmall(QStringView s, quint32 *value)
{
    if (s.isEmpty() || s.size() > 4)
        return false;
    quint32 v = 0;
    for (QChar c : s) {
        if (c < u'0' || c > u'9')
            return false;
        v = v * 10 + quint32(c.unicode() - u'0');
    }
    *value = v;
    return true;
}

} // namespace

QByteArray encryptSecret(QByteArrayView secret, const QString &password, const ScryptParams &params)
{
    const QString problem = paramsProblem(params.log2N, params.r, params.p);
    Q_ASSERT_X(problem.isEmpty(), "encryptSecret", qPrintable(problem));
    if (!problem.isEmpty())
        return {};

    QByteArray blob;
    blob.reserve(MinBlobSize + secret.size());
    blob.append(Magic, sizeof Magic);
    blob.append(char(Version));
    blob.append(char(params.log2N));
    char be[4];
    qToBigEndian<quint32>(params.r, be);
    blob.append(be, 4);
    qToBigEndian<quint32>(params.p, be);
    blob.append(be, 4);
    const QByteArray salt = randomBytes(SaltSize);
    const QByteArray nonce = randomBytes(NonceSize); // fresh key per blob (new salt), so random is safe
    blob.append(salt);
    blob.append(nonce);
    Q_ASSERT(blob.size() == HeaderSize);

    QByteArray key = scrypt(password, salt, params.log2N, params.r, params.p);
    QByteArray ciphertext, tag;
    const bool good = !key.isEmpty() && gcm(true, key, nonce, blob, secret, &ciphertext, &tag);
    wipe(key);
    if (!good)
        return {};
    blob.append(tag);
    blob.append(ciphertext);
    return blob;
}

Result<QByteArray> decryptSecret(QByteArrayView blob, const QString &password)
{
    const qsizetype size = blob.size();
    if (size < qsizetype(sizeof Magic))
        return formatError(QStringLiteral("key file truncated: %1 bytes, too short for the magic").arg(size));
    if (blob.first(sizeof Magic) != QByteArrayView(Magic, sizeof Magic))
        return formatError(QStringLiteral("bad magic: not a Microgrid key file (expected \"MGKS\")"));
    if (size < 5)
        return formatError(QStringLiteral("key file truncated: %1 bytes, version missing").arg(size));
    const quint8 version = quint8(blob[4]);
    if (version != Version)
        return formatError(QStringLiteral("unsupported key file version %1 (expected %2)").arg(version).arg(Version));
    if (size < MinBlobSize)
        return formatError(QStringLiteral("key file truncated: %1 bytes, header and tag need %2")
                               .arg(size).arg(MinBlobSize));

    const quint32 log2N = quint8(blob[5]);
    const quint32 r = qFromBigEndian<quint32>(blob.data() + 6);
    const quint32 p = qFromBigEndian<quint32>(blob.data() + 10);
    const QString problem = paramsProblem(log2N, r, p);
    if (!problem.isEmpty())
        return Result<QByteArray>::fail(QStringLiteral("keystore.params"), problem);

    const QByteArrayView header = blob.first(HeaderSize);
    const QByteArrayView salt = blob.sliced(14, SaltSize);
    const QByteArrayView nonce = blob.sliced(14 + SaltSize, NonceSize);
    QByteArray tag = blob.sliced(HeaderSize, TagSize).toByteArray();
    const QByteArrayView ciphertext = blob.sliced(MinBlobSize);

    QByteArray key = scrypt(password, salt, log2N, r, p);
    if (key.isEmpty())
        return Result<QByteArray>::fail(QStringLiteral("keystore.params"),
                                        QStringLiteral("scrypt refused log2N=%1 r=%2 p=%3").arg(log2N).arg(r).arg(p));
    QByteArray secret;
    const bool good = gcm(false, key, nonce, header, ciphertext, &secret, &tag);
    wipe(key);
    if (!good)
        return Result<QByteArray>::fail(QStringLiteral("keystore.password"),
                                        QStringLiteral("wrong password or damaged key file"));
    return secret;
}

QString hashPassword(const QString &password, const ScryptParams &params)
{
    const QString problem = paramsProblem(params.log2N, params.r, params.p);
    Q_ASSERT_X(problem.isEmpty(), "hashPassword", qPrintable(problem));
    if (!problem.isEmpty())
        return {};
    const QByteArray salt = randomBytes(SaltSize);
    QByteArray hash = scrypt(password, salt, params.log2N, params.r, params.p);
    if (hash.isEmpty())
        return {};
    const QString stored = QStringLiteral("scrypt$%1$%2$%3$%4$%5")
                               .arg(params.log2N).arg(params.r).arg(params.p)
                               .arg(QString::fromLatin1(salt.toHex()), QString::fromLatin1(hash.toHex()));
    wipe(hash);
    return stored;
}

bool verifyPassword(const QString &password, const QString &stored)
{
    const QList<QStringView> parts = QStringView(stored).split(u'$');
    if (parts.size() != 6 || parts[0] != u"scrypt")
        return false;
    quint32 log2N = 0, r = 0, p = 0;
    if (!parseSmall(parts[1], &log2N) || !parseSmall(parts[2], &r) || !parseSmall(parts[3], &p))
        return false;
    if (!paramsProblem(log2N, r, p).isEmpty())
        return false;
    // Exact lengths and strict hex: QByteArray::fromHex would skip junk characters.
    if (parts[4].size() != 2 * SaltSize || parts[5].size() != 2 * PasswordHashSize
        || !isLowerOrUpperHex(parts[4]) || !isLowerOrUpperHex(parts[5]))
        return false;
    const QByteArray salt = QByteArray::fromHex(parts[4].toLatin1());
    const QByteArray expected = QByteArray::fromHex(parts[5].toLatin1());
    QByteArray actual = scrypt(password, salt, log2N, r, p);
    const bool good = !actual.isEmpty() && constantTimeEquals(actual, expected);
    wipe(actual);
    return good;
}

} // namespace mg::crypto
