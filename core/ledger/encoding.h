#pragma once

#include "core/common/result.h"
#include "core/crypto/hash.h"

#include <QByteArray>
#include <QString>

#include <cstdint>

namespace mg::ledger {

// Canonical binary encoding: big-endian fixed-width integers, explicit u32 length prefixes for
// variable data, fields always in declaration order. The same object always encodes to the same
// bytes, so it always hashes the same.
class Writer
{
public:
    void u8(quint8 v);
    void u16(quint16 v);
    void u32(quint32 v);
    void u64(quint64 v);
    void i64(qint64 v) { u64(static_cast<quint64>(v)); }
    void boolean(bool v) { u8(v ? 1 : 0); }
    void hash(const crypto::Hash256 &h);
    void bytes(QByteArrayView b);   // u32 length + bytes
    void string(const QString &s);  // UTF-8, u32 length + bytes
    void raw(QByteArrayView b);     // no length (fixed-size data only)

    const QByteArray &data() const { return m_data; }
    QByteArray take() { return std::move(m_data); }

private:
    QByteArray m_data;
};

// Decodes untrusted bytes. Never reads past the end and never allocates more than the input
// allows. The first failure is kept (with the field name that failed); later reads return zero
// values, so a decoder reads all fields and checks `status()` once at the end.
class Reader
{
public:
    explicit Reader(QByteArrayView data, QString context = {});

    quint8 u8(const char *field);
    quint16 u16(const char *field);
    quint32 u32(const char *field);
    quint64 u64(const char *field);
    qint64 i64(const char *field) { return static_cast<qint64>(u64(field)); }
    bool boolean(const char *field);          // only 0 or 1 accepted
    crypto::Hash256 hash(const char *field);
    QByteArray bytes(const char *field, quint32 maxLength);
    QString string(const char *field, quint32 maxLength); // must be valid UTF-8
    QByteArray raw(const char *field, quint32 length);
    // A u32 element count, checked against maxCount and against the bytes left
    // (each element needs at least minElementSize bytes).
    quint32 count(const char *field, quint32 maxCount, quint32 minElementSize);

    // Marks the decode failed with a reason of the caller's (e.g. an unknown enum value).
    void fail(const char *field, const QString &reason);

    bool ok() const { return m_error.code.isEmpty(); }
    bool atEnd() const { return m_pos == m_data.size(); }
    qsizetype remaining() const { return m_data.size() - m_pos; }
    // ok() and atEnd(); otherwise an Error "decode.<what>" whose message names context and field.
    Status finish();
    const Error &error() const { return m_error; }

private:
    bool need(qsizetype n, const char *field);
    void setError(const char *code, const char *field, const QString &what);

    QByteArrayView m_data;
    qsizetype m_pos = 0;
    QString m_context;
    const char *m_lastField = nullptr; // named by a "decode.trailing" error
    Error m_error;
};

// Limits for untrusted input (a frame or a stored row is refused before it can exhaust memory).
namespace limits {
constexpr quint32 MaxIdLength = 128;          // node ids, user names
constexpr quint32 MaxTextLength = 4096;       // reasons, free text
constexpr quint32 MaxPayloadLength = 1 << 20; // one transaction's payload
constexpr quint32 MaxTxPerBlock = 100000;
constexpr quint32 MaxAcksPerBlock = 10000;
constexpr quint32 MaxSignatureLength = 64;
constexpr quint32 MaxBlobLength = 64u << 20;  // anchored block body
} // namespace limits

} // namespace mg::ledger
