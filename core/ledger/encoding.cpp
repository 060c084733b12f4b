#include "core/ledger/encoding.h"

#include <QStringDecoder>
#include <QtEndian>

namespace mg::ledger {

namespace {

template<typename T>
void appendBigEndian(QByteArray &out, T v)
{
    char buf[sizeof(T)];
    qToBigEndian(v, buf);
    out.append(buf, sizeof(T));
}

} // namespace

void Writer::u8(quint8 v)
{
    m_data.append(static_cast<char>(v));
}

void Writer::u16(quint16 v)
{
    appendBigEndian(m_data, v);
}

void Writer::u32(quint32 v)
{
    appendBigEndian(m_data, v);
}

void Writer::u64(quint64 v)
{
    appendBigEndian(m_data, v);
}

void Writer::hash(const crypto::Hash256 &h)
{
    m_data.append(reinterpret_cast<const char *>(h.bytes.data()), crypto::Hash256::Size);
}

void Writer::bytes(QByteArrayView b)
{
    Q_ASSERT(b.size() <= qsizetype(0xffffffffu));
    u32(static_cast<quint32>(b.size()));
    m_data.append(b);
}

void Writer::string(const QString &s)
{
    bytes(s.toUtf8());
}

void Writer::raw(QByteArrayView b)
{
    m_data.append(b);
}

Reader::Reader(QByteArrayView data, QString context)
    : m_data(data)
    , m_context(context.isEmpty() ? QStringLiteral("input") : std::move(context))
{
}

void Reader::setError(const char *code, const char *field, const QString &what)
{
    if (!ok())
        return; // the first failure is the one worth reporting
    m_error.code = QLatin1String(code);
    m_error.message = QStringLiteral("%1: field '%2' %3").arg(m_context, QLatin1String(field), what);
}

bool Reader::need(qsizetype n, const char *field)
{
    if (!ok())
        return false;
    m_lastField = field;
    if (n > remaining()) {
        setError("decode.truncated", field,
                 QStringLiteral("truncated: need %1 bytes, %2 left")
                     .arg(QString::number(n), QString::number(remaining())));
        return false;
    }
    return true;
}

void Reader::fail(const char *field, const QString &reason)
{
    setError("decode.invalid", field, QStringLiteral("invalid: ") + reason);
}

quint8 Reader::u8(const char *field)
{
    if (!need(1, field))
        return 0;
    return static_cast<quint8>(m_data[m_pos++]);
}

quint16 Reader::u16(const char *field)
{
    if (!need(2, field))
        return 0;
    const quint16 v = qFromBigEndian<quint16>(m_data.data() + m_pos);
    m_pos += 2;
    return v;
}

quint32 Reader::u32(const char *field)
{
    if (!need(4, field))
        return 0;
    const quint32 v = qFromBigEndian<quint32>(m_data.data() + m_pos);
    m_pos += 4;
    return v;
}

quint64 Reader::u64(const char *field)
{
    if (!need(8, field))
        return 0;
    const quint64 v = qFromBigEndian<quint64>(m_data.data() + m_pos);
    m_pos += 8;
    return v;
}

bool Reader::boolean(const char *field)
{
    const quint8 v = u8(field);
    if (v > 1) {
        fail(field, QStringLiteral("boolean must be 0 or 1, got %1").arg(v));
        return false;
    }
    return v == 1;
}

crypto::Hash256 Reader::hash(const char *field)
{
    crypto::Hash256 h;
    if (!need(crypto::Hash256::Size, field))
        return h;
    std::memcpy(h.bytes.data(), m_data.data() + m_pos, crypto::Hash256::Size);
    m_pos += crypto::Hash256::Size;
    return h;
}

QByteArray Reader::bytes(const char *field, quint32 maxLength)
{
    const quint32 length = u32(field);
    if (!ok())
        return {};
    if (length > maxLength) {
        setError("decode.too_long", field,
                 QStringLiteral("too long: %1 bytes, max %2")
                     .arg(QString::number(length), QString::number(maxLength)));
        return {};
    }
    // Checked before allocating: a forged length cannot make us reserve more than we were given.
    return raw(field, length);
}

QString Reader::string(const char *field, quint32 maxLength)
{
    const QByteArray utf8 = bytes(field, maxLength);
    if (!ok() || utf8.isEmpty())
        return {};
    // Stateless: a truncated sequence at the end is an error, not pending state.
    // ConvertInitialBom: a leading BOM is kept as U+FEFF so the string re-encodes to the same bytes.
    QStringDecoder decoder(QStringConverter::Utf8,
                           QStringConverter::Flag::Stateless | QStringConverter::Flag::ConvertInitialBom);
    QString s = decoder.decode(utf8);
    // The round trip also rejects anything the decoder might accept but not reproduce (canonical form).
    if (decoder.hasError() || s.toUtf8() != utf8) {
        fail(field, QStringLiteral("not valid UTF-8"));
        return {};
    }
    return s;
}

QByteArray Reader::raw(const char *field, quint32 length)
{
    if (!need(qsizetype(length), field))
        return {};
    QByteArray out(m_data.data() + m_pos, qsizetype(length));
    m_pos += length;
    return out;
}

quint32 Reader::count(const char *field, quint32 maxCount, quint32 minElementSize)
{
    const quint32 n = u32(field);
    if (!ok())
        return 0;
    if (n > maxCount) {
        setError("decode.too_long", field,
                 QStringLiteral("too long: %1 elements, max %2")
                     .arg(QString::number(n), QString::number(maxCount)));
        return 0;
    }
    // Callers reserve n elements; refuse counts the remaining bytes cannot possibly hold.
    const quint64 needed = quint64(n) * minElementSize;
    if (needed > quint64(remaining())) {
        setError("decode.truncated", field,
                 QStringLiteral("truncated: %1 elements need %2 bytes, %3 left")
                     .arg(QString::number(n), QString::number(needed), QString::number(remaining())));
        return 0;
    }
    return n;
}

Status Reader::finish()
{
    if (!ok())
        return m_error;
    if (!atEnd()) {
        m_error.code = QStringLiteral("decode.trailing");
        m_error.message = QStringLiteral("%1: %2 trailing bytes after field '%3'")
                              .arg(m_context, QString::number(remaining()),
                                   m_lastField ? QLatin1String(m_lastField) : QLatin1String("(start)"));
        return m_error;
    }
    return okStatus();
}

} // namespace mg::ledger
