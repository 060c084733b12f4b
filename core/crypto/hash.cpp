#include "hash.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

namespace mg::crypto {

namespace {

int hexValue(QChar c)
{
    const char16_t u = c.unicode();
    if (u >= u'0' && u <= u'9')
        return u - u'0';
    if (u >= u'a' && u <= u'f')
        return u - u'a' + 10;
    if (u >= u'A' && u <= u'F')
        return u - u'A' + 10;
    return -1;
}

} // namespace

bool Hash256::isNull() const
{
    for (std::uint8_t b : bytes) {
        if (b != 0)
            return false;
    }
    return true;
}

Hash256 Hash256::fromBytes(QByteArrayView raw, bool *ok)
{
    Hash256 h;
    const bool good = raw.size() == Size;
    if (good)
        std::memcpy(h.bytes.data(), raw.data(), Size);
    if (ok)
        *ok = good;
    return h;
}

Hash256 Hash256::fromHex(QStringView hex, bool *ok)
{
    // Strict: QByteArray::fromHex silently skips bad characters, which would accept garbage ids.
    Hash256 h;
    bool good = hex.size() == 2 * Size;
    for (int i = 0; good && i < Size; ++i) {
        const int hi = hexValue(hex[2 * i]);
        const int lo = hexValue(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            good = false;
        else
            h.bytes[i] = std::uint8_t(hi << 4 | lo);
    }
    if (!good)
        h = Hash256{};
    if (ok)
        *ok = good;
    return h;
}

Hash256 sha256(QByteArrayView data)
{
    Hash256 h;
    // SHA256() accepts a null pointer for zero length input.
    SHA256(reinterpret_cast<const unsigned char *>(data.data()), size_t(data.size()), h.bytes.data());
    return h;
}

Hash256 sha256(std::initializer_list<QByteArrayView> parts)
{
    // SHA256_Init & co. are deprecated in OpenSSL 3; EVP_Digest* with the implicitly fetched
    // SHA-256 is the supported streaming interface.
    Hash256 h;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool good = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1;
    for (QByteArrayView part : parts) {
        if (good && !part.isEmpty())
            good = EVP_DigestUpdate(ctx, part.data(), size_t(part.size())) == 1;
    }
    unsigned int len = 0;
    good = good && EVP_DigestFinal_ex(ctx, h.bytes.data(), &len) == 1 && len == Hash256::Size;
    EVP_MD_CTX_free(ctx);
    if (!good)
        qFatal("mg::crypto::sha256: OpenSSL digest failed");
    return h;
}

} // namespace mg::crypto
