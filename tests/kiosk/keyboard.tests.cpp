// Tests for kiosk/keyboard.h: 2-beolsik composition as libhangul really does it, backspace
// by jamo, modes, the length limit, layouts, UTF-8, phone grouping and dates.
// Expected strings are what a Korean user sees on any standard 2-beolsik keyboard.
#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <utility>

#include "kiosk/keyboard.h"

using namespace kiosk;

namespace {

// Types ASCII key codes; true if every key was accepted.
bool type(TextEntry& entry, std::string_view codes) {
  bool all = true;
  for (char c : codes) all = entry.press_code(c) && all;
  return all;
}

// The key with this kind (and, for characters, this code) in a layout.
const Key& find_key(KeyboardMode mode, KeyKind kind, char code = '\0') {
  for (const auto& row : keyboard_layout(mode)) {
    for (const Key& key : row) {
      if (key.kind == kind && (kind != KeyKind::kChar || key.code == code)) return key;
    }
  }
  static const Key kNone;
  FAIL("no such key");
  return kNone;
}

}  // namespace

// --- composition --------------------------------------------------------------------------

TEST_CASE("2-beolsik keys compose Korean words", "[keyboard][hangul]") {
  TextEntry entry(KeyboardMode::kHangul, 40);

  SECTION("안녕하세요: the last syllable stays in the preedit until committed") {
    REQUIRE(type(entry, "dkssudgktpdy"));
    CHECK(entry.committed() == "안녕하세");
    CHECK(entry.preedit() == "요");
    CHECK(entry.text() == "안녕하세요");
    CHECK(entry.length() == 5);
    entry.commit();
    CHECK(entry.committed() == "안녕하세요");
    CHECK(entry.preedit() == "");
  }
  SECTION("한글") {
    REQUIRE(type(entry, "gksrmf"));
    CHECK(entry.text() == "한글");
    CHECK(entry.preedit() == "글");
  }
  SECTION("a compound vowel: 와") {
    REQUIRE(type(entry, "dhk"));
    CHECK(entry.preedit() == "와");
  }
}

TEST_CASE("A double final consonant composes, and splits when a vowel follows",
          "[keyboard][hangul]") {
  TextEntry entry(KeyboardMode::kHangul, 10);
  REQUIRE(type(entry, "dkf"));
  CHECK(entry.preedit() == "알");
  REQUIRE(type(entry, "r"));
  CHECK(entry.preedit() == "앍");
  CHECK(entry.committed() == "");
  // ㄺ splits: ㄹ stays, ㄱ starts the next syllable.
  REQUIRE(type(entry, "k"));
  CHECK(entry.committed() == "알");
  CHECK(entry.preedit() == "가");
  CHECK(entry.text() == "알가");
}

TEST_CASE("A final consonant moves to the next syllable when a vowel follows",
          "[keyboard][hangul]") {
  TextEntry entry(KeyboardMode::kHangul, 10);
  REQUIRE(type(entry, "rkr"));
  CHECK(entry.preedit() == "각");
  REQUIRE(type(entry, "k"));
  CHECK(entry.committed() == "가");
  CHECK(entry.preedit() == "가");
  CHECK(entry.text() == "가가");
}

TEST_CASE("libhangul's own quirks are what the kiosk shows", "[keyboard][hangul]") {
  TextEntry entry(KeyboardMode::kHangul, 10);

  SECTION("two consonants that can end a syllable merge even with no vowel (ㄱ+ㅅ = ㄳ)") {
    REQUIRE(type(entry, "rt"));
    CHECK(entry.preedit() == "ㄳ");
    CHECK(entry.length() == 1);
    REQUIRE(type(entry, "k"));  // then split again when a vowel comes
    CHECK(entry.text() == "ㄱ사");
  }
  SECTION("the same consonant twice does not double (ㄱ ㄱ, not ㄲ)") {
    REQUIRE(type(entry, "rr"));
    CHECK(entry.text() == "ㄱㄱ");
  }
  SECTION("a vowel before a consonant is not reordered") {
    REQUIRE(type(entry, "kr"));
    CHECK(entry.committed() == "ㅏ");
    CHECK(entry.preedit() == "ㄱ");
  }
  SECTION("capitals without a double jamo type the plain jamo (caps lock is harmless)") {
    REQUIRE(type(entry, "GKS"));
    CHECK(entry.text() == "한");
  }
}

TEST_CASE("Shift types the double consonants and ㅒ ㅖ, once", "[keyboard][hangul][shift]") {
  TextEntry entry(KeyboardMode::kHangul, 10);
  auto shifted_then = [&](char shifted, std::string_view rest) {
    entry.set_shift(true);
    REQUIRE(entry.press_code(shifted));
    CHECK_FALSE(entry.shift());
    REQUIRE(type(entry, rest));
  };
  SECTION("ㄲ") {
    shifted_then('r', "k");
    CHECK(entry.text() == "까");
  }
  SECTION("ㄸ") {
    shifted_then('e', "k");
    CHECK(entry.text() == "따");
  }
  SECTION("ㅃ") {
    shifted_then('q', "k");
    CHECK(entry.text() == "빠");
  }
  SECTION("ㅆ") {
    shifted_then('t', "k");
    CHECK(entry.text() == "싸");
  }
  SECTION("ㅉ") {
    shifted_then('w', "k");
    CHECK(entry.text() == "짜");
  }
  SECTION("ㅆ as a final consonant: 갔") {
    REQUIRE(type(entry, "rk"));
    shifted_then('t', "");
    CHECK(entry.text() == "갔");
  }
  SECTION("ㅒ and ㅖ") {
    REQUIRE(type(entry, "d"));
    shifted_then('o', "d");
    shifted_then('p', "");
    CHECK(entry.text() == "얘예");
  }
  SECTION("shift is one-shot: ㄲ then ㄱ") {
    shifted_then('r', "r");
    CHECK(entry.text() == "ㄲㄱ");
  }
  SECTION("the shift key of the layout, then a key, as the UI presses them") {
    CHECK(entry.press(find_key(KeyboardMode::kHangul, KeyKind::kShift)) == PressResult::kAccepted);
    CHECK(entry.shift());
    CHECK(entry.press(find_key(KeyboardMode::kHangul, KeyKind::kChar, 'r')) ==
          PressResult::kAccepted);
    CHECK_FALSE(entry.shift());
    CHECK(entry.text() == "ㄲ");
  }
}

// --- backspace ----------------------------------------------------------------------------

TEST_CASE("Backspace takes back the preedit jamo by jamo, then whole committed syllables",
          "[keyboard][hangul][backspace]") {
  TextEntry entry(KeyboardMode::kHangul, 10);

  SECTION("각 -> 가 -> ㄱ -> nothing, then the committed text") {
    REQUIRE(entry.set_text("나"));
    REQUIRE(type(entry, "rkr"));
    CHECK(entry.text() == "나각");
    REQUIRE(entry.backspace());
    CHECK(entry.preedit() == "가");
    REQUIRE(entry.backspace());
    CHECK(entry.preedit() == "ㄱ");
    REQUIRE(entry.backspace());
    CHECK(entry.preedit() == "");
    CHECK(entry.text() == "나");
    REQUIRE(entry.backspace());
    CHECK(entry.text() == "");
    CHECK_FALSE(entry.backspace());
  }
  SECTION("after a split syllable only the new preedit decomposes: 가가 -> 가ㄱ -> 가") {
    REQUIRE(type(entry, "rkrk"));
    REQUIRE(entry.backspace());
    CHECK(entry.committed() == "가");
    CHECK(entry.preedit() == "ㄱ");
    REQUIRE(entry.backspace());
    CHECK(entry.text() == "가");
    CHECK(entry.preedit() == "");
  }
  SECTION("한글 -> 한그 -> 한ㄱ -> 한 -> nothing") {
    REQUIRE(type(entry, "gksrmf"));
    REQUIRE(entry.backspace());
    CHECK(entry.text() == "한그");
    REQUIRE(entry.backspace());
    CHECK(entry.text() == "한ㄱ");
    REQUIRE(entry.backspace());
    CHECK(entry.text() == "한");
    REQUIRE(entry.backspace());
    CHECK(entry.text() == "");
  }
  SECTION("a double final consonant loses its second half: 앍 -> 알") {
    REQUIRE(type(entry, "dkfr"));
    REQUIRE(entry.backspace());
    CHECK(entry.preedit() == "알");
  }
  SECTION("a compound vowel loses its second half: 와 -> 오") {
    REQUIRE(type(entry, "dhk"));
    REQUIRE(entry.backspace());
    CHECK(entry.preedit() == "오");
  }
  SECTION("committed text loses one whole character at a time, Hangul or not") {
    REQUIRE(entry.set_text("가나a다"));
    REQUIRE(entry.backspace());
    CHECK(entry.text() == "가나a");
    REQUIRE(entry.backspace());
    CHECK(entry.text() == "가나");
    REQUIRE(entry.backspace());
    CHECK(entry.text() == "가");
    CHECK(entry.length() == 1);
  }
  SECTION("the backspace key of the layout; refused when there is nothing left") {
    const Key& bs = find_key(KeyboardMode::kHangul, KeyKind::kBackspace);
    REQUIRE(type(entry, "r"));
    CHECK(entry.press(bs) == PressResult::kAccepted);
    CHECK(entry.press(bs) == PressResult::kRefused);
  }
}

// --- modes --------------------------------------------------------------------------------

TEST_CASE("Switching mode mid-word commits the syllable being composed", "[keyboard][modes]") {
  TextEntry entry(KeyboardMode::kHangul, 40);
  REQUIRE(type(entry, "gksrmf"));
  entry.set_mode(KeyboardMode::kLatin);
  CHECK(entry.committed() == "한글");
  CHECK(entry.preedit() == "");
  REQUIRE(type(entry, "abc"));
  entry.set_mode(KeyboardMode::kDigits);
  REQUIRE(type(entry, "12"));
  CHECK_FALSE(entry.press_code('a'));
  entry.set_mode(KeyboardMode::kHangul);
  REQUIRE(type(entry, "dkssud"));
  CHECK(entry.text() == "한글abc12안녕");
  CHECK(entry.length() == 9);

  SECTION("the mode key toggles Hangul and Latin and commits too") {
    const Key& to_latin = find_key(KeyboardMode::kHangul, KeyKind::kMode);
    CHECK(to_latin.label == "ABC");
    CHECK(entry.press(to_latin) == PressResult::kAccepted);
    CHECK(entry.mode() == KeyboardMode::kLatin);
    CHECK(entry.committed() == "한글abc12안녕");
    CHECK(entry.press(find_key(KeyboardMode::kLatin, KeyKind::kMode)) == PressResult::kAccepted);
    CHECK(entry.mode() == KeyboardMode::kHangul);
  }
  SECTION("done commits and tells the UI the field is finished") {
    CHECK(entry.press(find_key(KeyboardMode::kHangul, KeyKind::kDone)) == PressResult::kDone);
    CHECK(entry.committed() == "한글abc12안녕");
    CHECK(entry.preedit() == "");
  }
}

TEST_CASE("In Hangul mode, space, digits and punctuation commit and are typed as themselves",
          "[keyboard][modes]") {
  TextEntry entry(KeyboardMode::kHangul, 20);
  REQUIRE(type(entry, "gks"));
  REQUIRE(entry.press(find_key(KeyboardMode::kHangul, KeyKind::kSpace)) == PressResult::kAccepted);
  REQUIRE(type(entry, "101ehd-"));
  CHECK(entry.text() == "한 101동-");
  CHECK(entry.preedit() == "");
}

TEST_CASE("Keys typed in Latin mode never compose, even after Hangul in the same field",
          "[keyboard][modes][barcode]") {
  SECTION("a barcode-like code in a fresh Latin entry") {
    TextEntry entry(KeyboardMode::kLatin, 20);
    for (char c : std::string_view("AB12cd")) {
      REQUIRE(entry.press_code(c));
      CHECK(entry.preedit() == "");
    }
    CHECK(entry.text() == "AB12cd");
  }
  SECTION("after a Hangul word was composed and the mode switched") {
    TextEntry entry(KeyboardMode::kHangul, 20);
    REQUIRE(type(entry, "gksrmf"));
    entry.set_mode(KeyboardMode::kLatin);
    for (char c : std::string_view("AB12cd")) {
      REQUIRE(entry.press_code(c));
      CHECK(entry.preedit() == "");
    }
    CHECK(entry.text() == "한글AB12cd");
    CHECK(entry.committed() == "한글AB12cd");
  }
  SECTION("letters that would be ㅁㅠㅊㅇ in Hangul mode stay letters") {
    TextEntry entry(KeyboardMode::kLatin, 20);
    REQUIRE(type(entry, "abcd rkr"));
    CHECK(entry.text() == "abcd rkr");
  }
}

TEST_CASE("Latin shift is one-shot", "[keyboard][latin][shift]") {
  TextEntry entry(KeyboardMode::kLatin, 10);
  entry.set_shift(true);
  REQUIRE(entry.press_code('a'));
  CHECK_FALSE(entry.shift());
  REQUIRE(entry.press_code('b'));
  CHECK(entry.text() == "Ab");

  SECTION("shift is used up by a digit too") {
    entry.set_shift(true);
    REQUIRE(entry.press_code('1'));
    CHECK_FALSE(entry.shift());
    REQUIRE(entry.press_code('c'));
    CHECK(entry.text() == "Ab1c");
  }
  SECTION("pressing the shift key twice turns it off") {
    const Key& shift = find_key(KeyboardMode::kLatin, KeyKind::kShift);
    entry.press(shift);
    entry.press(shift);
    CHECK_FALSE(entry.shift());
    REQUIRE(entry.press_code('c'));
    CHECK(entry.text() == "Abc");
  }
  SECTION("a refused key leaves shift on") {
    TextEntry full(KeyboardMode::kLatin, 1);
    REQUIRE(full.press_code('x'));
    full.set_shift(true);
    CHECK_FALSE(full.press_code('y'));
    CHECK(full.shift());
  }
}

TEST_CASE("Digits mode takes only digits", "[keyboard][digits]") {
  TextEntry entry(KeyboardMode::kDigits, 11);
  REQUIRE(type(entry, "010"));
  for (char c : std::string_view("aZ -.")) CHECK_FALSE(entry.press_code(c));
  CHECK_FALSE(entry.press_code('\n'));
  CHECK(entry.press(find_key(KeyboardMode::kLatin, KeyKind::kShift)) == PressResult::kRefused);
  CHECK(entry.press(find_key(KeyboardMode::kLatin, KeyKind::kMode)) == PressResult::kRefused);
  CHECK(entry.press(find_key(KeyboardMode::kHangul, KeyKind::kSpace)) == PressResult::kRefused);
  CHECK(entry.mode() == KeyboardMode::kDigits);
  CHECK(entry.text() == "010");
}

TEST_CASE("Control characters and non-ASCII codes are refused in every mode", "[keyboard]") {
  for (KeyboardMode mode : {KeyboardMode::kHangul, KeyboardMode::kLatin, KeyboardMode::kDigits}) {
    TextEntry entry(mode, 10);
    CHECK_FALSE(entry.press_code('\0'));
    CHECK_FALSE(entry.press_code('\t'));
    CHECK_FALSE(entry.press_code('\x7F'));
    CHECK_FALSE(entry.press_code(static_cast<char>(0xEA)));
    CHECK(entry.text() == "");
  }
}

// --- length limit -------------------------------------------------------------------------

TEST_CASE("The length limit counts the preedit", "[keyboard][limit]") {
  SECTION("at the limit, a key that merges into the syllable is taken; one that adds is not") {
    TextEntry entry(KeyboardMode::kHangul, 2);
    REQUIRE(type(entry, "gksrmf"));
    CHECK(entry.length() == 2);
    CHECK(entry.press_code('r'));  // 글 -> 긁
    CHECK(entry.text() == "한긁");
    CHECK_FALSE(entry.press_code('k'));  // would be 한글가
    CHECK_FALSE(entry.press_code('d'));  // would be 한긁ㅇ
    CHECK_FALSE(entry.press_code('a'));  // ㄺ+ㅁ is no cluster: would be 한긁ㅁ
    CHECK_FALSE(entry.press_code(' '));
    CHECK_FALSE(entry.press_code('1'));
    CHECK(entry.text() == "한긁");
    CHECK(entry.preedit() == "긁");  // a refused key changed nothing
    CHECK(entry.length() == 2);
    REQUIRE(entry.backspace());    // 긁 -> 글: room to compose again, not to add
    CHECK(entry.press_code('a'));  // 글 -> 긂
    CHECK(entry.text() == "한긂");
  }
  SECTION("a limit of one: 가 -> 간 fits, 간 -> 가나 does not") {
    TextEntry entry(KeyboardMode::kHangul, 1);
    REQUIRE(type(entry, "rks"));
    CHECK(entry.text() == "간");
    CHECK_FALSE(entry.press_code('k'));
    CHECK(entry.text() == "간");
    CHECK(entry.press_code('w'));  // ㄴ+ㅈ = ㄵ
    CHECK(entry.text() == "갅");
  }
  SECTION("a vowel merging into a lone vowel at the limit: ㅗ -> ㅘ") {
    TextEntry entry(KeyboardMode::kHangul, 1);
    REQUIRE(type(entry, "h"));
    CHECK(entry.press_code('k'));
    CHECK(entry.text() == "ㅘ");
  }
  SECTION("Latin and digits") {
    TextEntry latin(KeyboardMode::kLatin, 3);
    CHECK_FALSE(type(latin, "abcd"));
    CHECK(latin.text() == "abc");
    TextEntry digits(KeyboardMode::kDigits, 4);
    CHECK_FALSE(type(digits, "12345"));
    CHECK(digits.text() == "1234");
  }
  SECTION("zero") {
    TextEntry entry(KeyboardMode::kHangul, 0);
    CHECK_FALSE(entry.press_code('r'));
    CHECK(entry.text() == "");
  }
  SECTION("a limit above kMaxChars is clamped") {
    TextEntry entry(KeyboardMode::kLatin, TextEntry::kMaxChars + 5);
    CHECK(entry.max_chars() == TextEntry::kMaxChars);
  }
}

// --- set_text, clear, move -----------------------------------------------------------------

TEST_CASE("set_text takes valid UTF-8 within the limit as committed text", "[keyboard]") {
  TextEntry entry(KeyboardMode::kHangul, 4);
  REQUIRE(type(entry, "rk"));
  REQUIRE(entry.set_text("가나다"));
  CHECK(entry.committed() == "가나다");
  CHECK(entry.preedit() == "");
  REQUIRE(type(entry, "r"));  // a new syllable, not merged into 다
  CHECK(entry.text() == "가나다ㄱ");

  CHECK_FALSE(entry.set_text("가나다라마"));  // 5 > 4
  CHECK_FALSE(entry.set_text("\xEA\xB0"));    // truncated 가
  CHECK(entry.text() == "가나다ㄱ");          // unchanged
}

TEST_CASE("clear() leaves nothing, and typing starts afresh", "[keyboard]") {
  TextEntry entry(KeyboardMode::kHangul, 10);
  REQUIRE(type(entry, "gksrmf"));
  entry.set_shift(true);
  entry.clear();
  CHECK(entry.text() == "");
  CHECK(entry.committed() == "");
  CHECK(entry.preedit() == "");
  CHECK(entry.length() == 0);
  CHECK_FALSE(entry.shift());
  CHECK(entry.mode() == KeyboardMode::kHangul);
  REQUIRE(type(entry, "k"));  // not merged into the cleared 글
  CHECK(entry.text() == "ㅏ");
}

TEST_CASE("A moved TextEntry keeps its text and goes on composing", "[keyboard]") {
  TextEntry a(KeyboardMode::kHangul, 10);
  REQUIRE(type(a, "gksrk"));
  TextEntry b(std::move(a));
  CHECK(b.text() == "한가");
  REQUIRE(type(b, "r"));
  CHECK(b.text() == "한각");

  TextEntry c(KeyboardMode::kLatin, 3);
  REQUIRE(type(c, "xyz"));
  c = std::move(b);
  CHECK(c.text() == "한각");
  CHECK(c.max_chars() == 10);
  CHECK(c.mode() == KeyboardMode::kHangul);
}

// --- layouts ------------------------------------------------------------------------------

TEST_CASE("The Hangul layout is the standard 2-beolsik one", "[keyboard][layout]") {
  const auto& rows = keyboard_layout(KeyboardMode::kHangul);
  REQUIRE(rows.size() == 5);
  auto labels = [](const std::vector<Key>& row, bool shifted) {
    std::string out;
    for (const Key& k : row) {
      if (k.kind == KeyKind::kChar) out += shifted ? k.label_shifted : k.label;
    }
    return out;
  };
  auto codes = [](const std::vector<Key>& row) {
    std::string out;
    for (const Key& k : row) {
      if (k.kind == KeyKind::kChar) out += k.code;
    }
    return out;
  };
  CHECK(labels(rows[0], false) == "1234567890");
  CHECK(labels(rows[1], false) == "ㅂㅈㄷㄱㅅㅛㅕㅑㅐㅔ");
  CHECK(labels(rows[1], true) == "ㅃㅉㄸㄲㅆㅛㅕㅑㅒㅖ");
  CHECK(codes(rows[1]) == "qwertyuiop");
  CHECK(labels(rows[2], false) == "ㅁㄴㅇㄹㅎㅗㅓㅏㅣ");
  CHECK(codes(rows[2]) == "asdfghjkl");
  CHECK(labels(rows[3], false) == "ㅋㅌㅊㅍㅠㅜㅡ");
  CHECK(codes(rows[3]) == "zxcvbnm");
  CHECK(rows[3].front().kind == KeyKind::kShift);
  CHECK(rows[3].back().kind == KeyKind::kBackspace);
}

TEST_CASE("Every character key types exactly its label, and with shift its shifted label",
          "[keyboard][layout]") {
  for (KeyboardMode mode : {KeyboardMode::kHangul, KeyboardMode::kLatin, KeyboardMode::kDigits}) {
    for (const auto& row : keyboard_layout(mode)) {
      for (const Key& key : row) {
        if (key.kind != KeyKind::kChar) continue;
        INFO("key " << key.label);
        TextEntry plain(mode, 4);
        CHECK(plain.press(key) == PressResult::kAccepted);
        CHECK(plain.text() == key.label);
        TextEntry shifted(mode, 4);
        shifted.set_shift(true);
        CHECK(shifted.press(key) == PressResult::kAccepted);
        CHECK(shifted.text() == key.label_shifted);
      }
    }
  }
}

TEST_CASE("The Latin layout is QWERTY and the digit pad a phone keypad", "[keyboard][layout]") {
  const auto& latin = keyboard_layout(KeyboardMode::kLatin);
  REQUIRE(latin.size() == 5);
  std::string top;
  for (const Key& k : latin[1]) top += k.label_shifted;
  CHECK(top == "QWERTYUIOP");

  const auto& pad = keyboard_layout(KeyboardMode::kDigits);
  REQUIRE(pad.size() == 4);
  std::string digits;
  for (const auto& row : pad) {
    CHECK(row.size() == 3);
    for (const Key& k : row) digits += k.kind == KeyKind::kChar ? k.label : "_";
  }
  CHECK(digits == "123456789_0_");
  CHECK(pad[3][0].kind == KeyKind::kBackspace);
  CHECK(pad[3][2].kind == KeyKind::kDone);

  // Rows are at most ten letter keys wide, so the UI can size keys from the widest row.
  for (KeyboardMode mode : {KeyboardMode::kHangul, KeyboardMode::kLatin}) {
    for (const auto& row : keyboard_layout(mode)) {
      float width = 0;
      for (const Key& k : row) width += k.width;
      CHECK(width <= Approx(10.0f));
    }
  }
}

// --- 2-beolsik keystrokes -----------------------------------------------------------------

TEST_CASE("two_beolsik_keys types back every syllable and compatibility jamo",
          "[keyboard][hangul][exhaustive]") {
  CHECK(two_beolsik_keys(U'각') == "rkr");
  CHECK(two_beolsik_keys(U'와') == "dhk");
  CHECK(two_beolsik_keys(U'앍') == "dkfr");
  CHECK(two_beolsik_keys(U'ㄳ') == "rt");
  CHECK(two_beolsik_keys(U'ㄲ') == "R");
  CHECK(two_beolsik_keys(U'ㅢ') == "ml");
  CHECK(two_beolsik_keys(U'a') == std::nullopt);
  CHECK(two_beolsik_keys(0x3164) == std::nullopt);  // Hangul filler: not typeable
  CHECK(two_beolsik_keys(0xD7A4) == std::nullopt);

  // The length limit depends on this round trip; check it for all 11,172 syllables and the
  // 51 jamo: the keys compose exactly the character, nothing committed.
  int mismatches = 0;
  auto check = [&](char32_t c) {
    TextEntry entry(KeyboardMode::kHangul, 4);
    const std::string keys = two_beolsik_keys(c).value_or("");
    const bool ok = type(entry, keys) && entry.committed().empty() &&
                    entry.preedit() == to_utf8(std::u32string(1, c));
    if (!ok && ++mismatches <= 5) {
      FAIL_CHECK("U+" << std::hex << static_cast<unsigned>(c) << " keys '" << keys << "' gave '"
                      << entry.text() << "'");
    }
  };
  for (char32_t c = 0xAC00; c <= 0xD7A3; ++c) check(c);
  for (char32_t c = 0x3131; c <= 0x3163; ++c) check(c);
  CHECK(mismatches == 0);
}

// --- UTF-8 --------------------------------------------------------------------------------

TEST_CASE("UTF-8 of the Hangul ranges' endpoints and of jamo", "[keyboard][utf8]") {
  CHECK(to_utf8(U"\uAC00") == "\xEA\xB0\x80");  // 가, first syllable
  CHECK(to_utf8(U"\uD7A3") == "\xED\x9E\xA3");  // 힣, last syllable
  CHECK(to_utf8(U"\u3131") == "\xE3\x84\xB1");  // ㄱ, first compatibility jamo
  CHECK(to_utf8(U"\u3163") == "\xE3\x85\xA3");  // ㅣ, last compatibility vowel
  CHECK(to_utf8(U"\u1100") == "\xE1\x84\x80");  // conjoining choseong ㄱ
  CHECK(to_utf8(U"\u11C2") == "\xE1\x87\x82");  // conjoining jongseong ㅎ
  CHECK(to_utf8(U"A") == "A");
  CHECK(to_utf8(U"\u007F\u0080\u07FF\u0800\uFFFF") ==
        "\x7F\xC2\x80\xDF\xBF\xE0\xA0\x80\xEF\xBF\xBF");
  CHECK(to_utf8(U"\U00010000\U0010FFFF") == "\xF0\x90\x80\x80\xF4\x8F\xBF\xBF");
  CHECK(to_utf8(std::u32string(1, char32_t{0xD800})) == "\xEF\xBF\xBD");    // surrogate
  CHECK(to_utf8(std::u32string(1, char32_t{0x110000})) == "\xEF\xBF\xBD");  // too large
  CHECK(to_utf8(U"") == "");
  CHECK(to_utf8(U"한글 ok") == "한글 ok");
}

TEST_CASE("from_utf8 decodes strictly and round-trips every syllable", "[keyboard][utf8]") {
  CHECK(from_utf8("\xEA\xB0\x80\xED\x9E\xA3") == std::u32string(U"\uAC00\uD7A3"));
  CHECK(from_utf8("") == std::u32string());
  CHECK(from_utf8("\xF4\x8F\xBF\xBF") == std::u32string(U"\U0010FFFF"));

  CHECK(from_utf8("\xC0\x80") == std::nullopt);          // overlong NUL
  CHECK(from_utf8("\xE0\x80\x80") == std::nullopt);      // overlong
  CHECK(from_utf8("\xED\xA0\x80") == std::nullopt);      // surrogate U+D800
  CHECK(from_utf8("\xF4\x90\x80\x80") == std::nullopt);  // U+110000
  CHECK(from_utf8("\xEA\xB0") == std::nullopt);          // truncated
  CHECK(from_utf8("\x80") == std::nullopt);              // stray continuation byte
  CHECK(from_utf8("\xEA\x41\x80") == std::nullopt);      // bad continuation
  CHECK(from_utf8("\xFF") == std::nullopt);

  std::u32string all;
  for (char32_t c = 0xAC00; c <= 0xD7A3; ++c) all.push_back(c);
  const std::string encoded = to_utf8(all);
  CHECK(encoded.size() == 11172u * 3u);
  CHECK(from_utf8(encoded) == all);
}

// --- phone and date -----------------------------------------------------------------------

TEST_CASE("Phone numbers are grouped for display as they are typed", "[keyboard][phone]") {
  CHECK(format_phone_display("") == "");
  CHECK(format_phone_display("0") == "0");
  CHECK(format_phone_display("010") == "010");
  CHECK(format_phone_display("0101") == "010-1");
  CHECK(format_phone_display("0101234") == "010-1234");
  CHECK(format_phone_display("01012345") == "010-1234-5");
  CHECK(format_phone_display("01012345678") == "010-1234-5678");
  CHECK(format_phone_display("010-1234-5678") == "010-1234-5678");  // non-digits ignored
  CHECK(format_phone_display("02") == "02");
  CHECK(format_phone_display("021") == "02-1");
  CHECK(format_phone_display("021234567") == "02-123-4567");
  CHECK(format_phone_display("0212345678") == "02-1234-5678");
  CHECK(format_phone_display("0311234567") == "031-123-4567");
  CHECK(format_phone_display("03112345678") == "031-1234-5678");
  CHECK(format_phone_display("15881234") == "1588-1234");
  CHECK(format_phone_display("010123456789") == "010123456789");  // too long: ungrouped
}

TEST_CASE("DateEntry accepts only real dates", "[keyboard][date]") {
  CHECK(DateEntry{2024, 2, 29}.valid());
  CHECK_FALSE(DateEntry{2023, 2, 29}.valid());
  CHECK(DateEntry{2000, 2, 29}.valid());        // divisible by 400
  CHECK_FALSE(DateEntry{1900, 2, 29}.valid());  // divisible by 100, not 400
  CHECK_FALSE(DateEntry{2024, 13, 1}.valid());
  CHECK_FALSE(DateEntry{2024, 0, 1}.valid());
  CHECK_FALSE(DateEntry{2024, 1, 0}.valid());
  CHECK_FALSE(DateEntry{2024, 4, 31}.valid());
  CHECK(DateEntry{2024, 12, 31}.valid());
  CHECK_FALSE(DateEntry{1899, 12, 31}.valid());
  CHECK(DateEntry{1900, 1, 1}.valid());
  CHECK_FALSE(DateEntry{2101, 1, 1}.valid());
  CHECK_FALSE(DateEntry{}.valid());

  CHECK(DateEntry{1985, 3, 7}.iso() == "1985-03-07");
  CHECK(DateEntry{2024, 2, 29}.iso() == "2024-02-29");
  CHECK(DateEntry{2023, 2, 29}.iso() == "");

  CHECK(DateEntry::days_in_month(2024, 2) == 29);
  CHECK(DateEntry::days_in_month(2023, 2) == 28);
  CHECK(DateEntry::days_in_month(2023, 1) == 31);
  CHECK(DateEntry::days_in_month(2023, 4) == 30);
  CHECK(DateEntry::days_in_month(2023, 0) == 0);
  CHECK(DateEntry::days_in_month(2023, 13) == 0);
}
