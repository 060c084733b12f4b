#pragma once

#include <QString>

#include <optional>
#include <utility>
#include <variant>

namespace mg {

// An expected failure: a stable machine-readable code (e.g. "decode.truncated") that the UI
// turns into translated text, and a message naming the input, field or row that was wrong.
// Core never calls tr(); logs and the CLI print `message`.
struct Error
{
    QString code;
    QString message;

    QString toString() const { return code + QLatin1String(": ") + message; }
};

// Value-or-error. Programming errors assert; expected failures (bad input, wrong password,
// tampered data) come back as a Result.
template<typename T>
class [[nodiscard]] Result
{
public:
    Result(T value) : m_state(std::move(value)) {}
    Result(Error error) : m_state(std::move(error)) {}

    static Result fail(QString code, QString message) { return Result(Error{std::move(code), std::move(message)}); }

    bool ok() const { return m_state.index() == 0; }
    explicit operator bool() const { return ok(); }

    const T &value() const & { Q_ASSERT(ok()); return std::get<0>(m_state); }
    T &value() & { Q_ASSERT(ok()); return std::get<0>(m_state); }
    T &&value() && { Q_ASSERT(ok()); return std::get<0>(std::move(m_state)); }
    const T &operator*() const & { return value(); }
    const T *operator->() const { return &value(); }

    const Error &error() const { Q_ASSERT(!ok()); return std::get<1>(m_state); }
    QString errorString() const { return ok() ? QString() : error().toString(); }

private:
    std::variant<T, Error> m_state;
};

// Result for operations with no value.
struct Ok {};
using Status = Result<Ok>;
inline Status okStatus() { return Status(Ok{}); }

} // namespace mg
