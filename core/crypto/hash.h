#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QHashFunctions>
#include <QString>

#include <array>
#include <compare>
#include <cstdint>
#include <cstring>
#include <initializer_list>

namespace mg::crypto {

// A SHA-256 digest as a small value type (used for tx ids, block hashes, Merkle nodes).
struct Hash256
{
    std::array<std::uint8_t, 32> bytes{};

    static constexpr int Size = 32;

    bool isNull() const;
    QByteArray toByteArray() const { return QByteArray(reinterpret_cast<const char *>(bytes.data()), Size); }
    QString toHex() const { return QString::fromLatin1(toByteArray().toHex()); }
    QString shortHex() const { return toHex().left(12); }
    // Exactly 32 bytes, else a null hash and ok=false.
    static Hash256 fromBytes(QByteArrayView raw, bool *ok = nullptr);
    static Hash256 fromHex(QStringView hex, bool *ok = nullptr);

    auto operator<=>(const Hash256 &) const = default;
    bool operator==(const Hash256 &) const = default;
};

inline size_t qHash(const Hash256 &h, size_t seed = 0) noexcept
{
    size_t v;
    std::memcpy(&v, h.bytes.data(), sizeof v);
    return v ^ seed;
}

Hash256 sha256(QByteArrayView data);
// SHA-256 over the concatenation of several parts (no copies).
Hash256 sha256(std::initializer_list<QByteArrayView> parts);

} // namespace mg::crypto
