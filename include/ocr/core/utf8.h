// UTF-8 <-> code points. Invalid bytes are an error, never silently dropped.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace ocr {

// Throws FormatError on malformed UTF-8.
std::u32string utf8_decode(std::string_view s);
std::string utf8_encode(std::u32string_view s);
std::string utf8_encode(char32_t c);
bool utf8_valid(std::string_view s);
// Appends s's code points to out; false (out as it was) on malformed UTF-8. For readers of many
// short strings (a word list), where a string per item costs more than the decoding.
bool utf8_append(std::string_view s, std::u32string& out);

}  // namespace ocr
