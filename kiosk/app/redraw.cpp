#include "redraw.h"

#include <GL/glx.h>
#include <GLFW/glfw3.h>
#include <backends/imgui_impl_opengl3.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

#include "ui.h"

namespace kiosk::app {

namespace {

bool software_renderer() {
  const char* r = reinterpret_cast<const char*>(glGetString(GL_RENDERER));
  if (r == nullptr) return false;
  const std::string s(r);
  return s.find("llvmpipe") != std::string::npos || s.find("softpipe") != std::string::npos ||
         s.find("swrast") != std::string::npos;
}

// The pixels a triangle with this bounding box can touch: those whose centres it can contain
// (GL rasterizes by pixel centre; vertices snap to a sub-pixel grid first, 1/256 px in llvmpipe,
// so a centre up to a snap away counts too), within its clip rectangle rounded outward (the
// backend truncates it into a scissor box). Never smaller than the truth: the UI test with
// --verify-redraw found the one-pixel row a vertex at 299.501 touches.
Rect touched(const Rect& box, const Rect& clip) {
  constexpr float kSnap = 1.0f / 32;  // generous: any sub-pixel grid of 5 bits or more
  const Rect centres{std::ceil(box.x0 - 0.5f - kSnap), std::ceil(box.y0 - 0.5f - kSnap), std::floor(box.x1 - 0.5f + kSnap) + 1,
                     std::floor(box.y1 - 0.5f + kSnap) + 1};
  return intersect(centres, outward(clip));
}

// A primitive's record (damage.h): its fields one after another in a zeroed buffer, so that no
// padding byte is left to chance.
struct Record {
  unsigned char b[ListImage::kRecord] = {};
  std::size_t at = 0;
  template <typename T>
  void put(const T& v) {
    std::memcpy(b + at, &v, sizeof v);
    at += sizeof v;
  }
};

}  // namespace

void Redraw::init() {
  partial_ = false;
  if (full_only_ || !software_renderer()) return;
  Display* dpy = glXGetCurrentDisplay();
  if (dpy == nullptr || glXGetCurrentDrawable() == 0) return;
  const char* ext = glXQueryExtensionsString(dpy, DefaultScreen(dpy));
  if (ext == nullptr || std::strstr(ext, "GLX_MESA_copy_sub_buffer") == nullptr) return;
  copy_sub_buffer_ = reinterpret_cast<void (*)(void*, unsigned long, int, int, int, int)>(
      glXGetProcAddress(reinterpret_cast<const GLubyte*>("glXCopySubBufferMESA")));
  blit_ = reinterpret_cast<void (*)(int, int, int, int, int, int, int, int, unsigned, unsigned)>(glfwGetProcAddress("glBlitFramebuffer"));
  partial_ = copy_sub_buffer_ != nullptr && blit_ != nullptr;
}

// Each primitive of each list as a record (damage.h): a triangle's three vertices with its
// command's clip rectangle and texture, or a fill's clear with what it fills (its callback data
// is a pointer, which may be the same for another fill), and the rectangle it covers.
Frame Redraw::image_of(const ImDrawData* data, Rgb page, int fb_width, int fb_height, const std::vector<ScrollRegion>& scrolling) const {
  Frame f;
  f.screen = Rect{0, 0, static_cast<float>(fb_width), static_cast<float>(fb_height)};
  f.page = static_cast<std::uint32_t>(page.r) << 16 | static_cast<std::uint32_t>(page.g) << 8 | page.b;
  f.lists.reserve(static_cast<std::size_t>(data->CmdListsCount));
  static_assert(1 + sizeof(ImVec4) + sizeof(ImTextureID) + 3 * sizeof(ImDrawVert) <= ListImage::kRecord);
  static_assert(1 + sizeof(ImVec4) + sizeof(Ui::Clear) <= ListImage::kRecord);
  for (int n = 0; n < data->CmdListsCount; ++n) {
    const ImDrawList* dl = data->CmdLists[n];
    ListImage li;
    li.name = dl->_OwnerName != nullptr ? dl->_OwnerName : "";
    // A scrolling region's records are in content coordinates (y + scroll): what only moved is
    // the same record. Only for a view of whole pixels and a whole-pixel scroll.
    float shift = 0;
    for (const ScrollRegion& r : scrolling) {
      const bool whole = r.view.x == std::floor(r.view.x) && r.view.y == std::floor(r.view.y) && r.view.z == std::floor(r.view.z) &&
                         r.view.w == std::floor(r.view.w) && r.scroll_y == std::floor(r.scroll_y);
      if (r.window == li.name && whole) {
        li.scrolls = true;
        li.view = intersect(Rect{r.view.x, r.view.y, r.view.z, r.view.w}, f.screen);
        li.scroll = r.scroll_y;
        shift = r.scroll_y;
      }
    }
    li.records.reserve(static_cast<std::size_t>(dl->IdxBuffer.Size / 3 + dl->CmdBuffer.Size) * ListImage::kRecord);
    for (const ImDrawCmd& c : dl->CmdBuffer) {
      const Rect clip{c.ClipRect.x, c.ClipRect.y, c.ClipRect.z, c.ClipRect.w};
      if (c.UserCallback != nullptr) {
        if (c.UserCallback == &Ui::run_clear) {
          const Ui::Clear& k = *static_cast<const Ui::Clear*>(c.UserCallbackData);
          Ui::Clear content = k;
          content.y0 += shift;
          content.y1 += shift;
          Record r;
          r.put('c');
          r.put(c.ClipRect);
          r.put(content);
          li.add(r.b, r.at, intersect(outward(Rect{k.x0, k.y0, k.x1, k.y1}), outward(clip)));
        } else {  // a callback of unknown effect: it may draw anywhere, and differently each time
          Record r;
          r.put('u');
          r.put(c.UserCallback);
          r.put(c.UserCallbackData);
          r.put(stats_.full + stats_.partial + stats_.none);
          li.add(r.b, r.at, f.screen);
        }
        continue;
      }
      for (unsigned i = 0; i + 2 < c.ElemCount; i += 3) {
        Record t;
        t.put('t');
        t.put(c.ClipRect);
        t.put(c.TextureId);
        Rect box{1e30f, 1e30f, -1e30f, -1e30f};
        for (unsigned k = 0; k < 3; ++k) {
          const ImDrawVert& v = dl->VtxBuffer[static_cast<int>(c.VtxOffset + dl->IdxBuffer[static_cast<int>(c.IdxOffset + i + k)])];
          ImDrawVert content = v;
          content.pos.y += shift;
          t.put(content);
          box.x0 = std::min(box.x0, v.pos.x);
          box.y0 = std::min(box.y0, v.pos.y);
          box.x1 = std::max(box.x1, v.pos.x);
          box.y1 = std::max(box.y1, v.pos.y);
        }
        li.add(t.b, t.at, touched(box, clip));
      }
    }
    f.lists.push_back(std::move(li));
  }
  return f;
}

void Redraw::draw_whole(ImDrawData* data, Rgb page, int fb_width, int fb_height) {
  glViewport(0, 0, fb_width, fb_height);
  glDisable(GL_SCISSOR_TEST);
  glClearColor(page.r / 255.0f, page.g / 255.0f, page.b / 255.0f, 1.0f);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(data);
}

// Clips every command to `damage` (whole pixels), so that inside it each command touches exactly
// the pixels it touches in a whole redraw. The GL backend turns a clip rectangle into a scissor
// box by truncating its corner and its size separately; a fill's clear (Ui::run_clear) rounds its
// own rectangle within the clip rectangle. Each is intersected in its own terms.
void Redraw::clip_to(ImDrawData* data, const Rect& damage, int fb_height) {
  saved_clips_.clear();
  for (int n = 0; n < data->CmdListsCount; ++n)
    for (ImDrawCmd& c : data->CmdLists[n]->CmdBuffer) {
      saved_clips_.push_back(c.ClipRect);
      const ImVec4 r = c.ClipRect;
      if (c.UserCallback != nullptr) {
        const Rect k = intersect(Rect{r.x, r.y, r.z, r.w}, damage);
        c.ClipRect = k.empty() ? ImVec4(0, 0, 0, 0) : ImVec4(k.x0, k.y0, k.x1, k.y1);
        continue;
      }
      if (r.z <= r.x || r.w <= r.y) continue;  // the backend skips it anyway
      // The backend's scissor box, in screen rows (y down).
      const int x0 = static_cast<int>(r.x), w = static_cast<int>(r.z - r.x);
      const int gl_y = static_cast<int>(static_cast<float>(fb_height) - r.w), h = static_cast<int>(r.w - r.y);
      const Rect box{static_cast<float>(x0), static_cast<float>(fb_height - gl_y - h), static_cast<float>(x0 + w),
                     static_cast<float>(fb_height - gl_y)};
      const Rect k = intersect(box, damage);
      c.ClipRect = k.empty() ? ImVec4(0, 0, 0, 0) : ImVec4(k.x0, k.y0, k.x1, k.y1);
    }
}

void Redraw::read_back(std::vector<unsigned char>& px, int fb_width, int fb_height) const {
  px.resize(static_cast<std::size_t>(fb_width) * static_cast<std::size_t>(fb_height) * 4);
  glPixelStorei(GL_PACK_ALIGNMENT, 4);
  glReadPixels(0, 0, fb_width, fb_height, GL_RGBA, GL_UNSIGNED_BYTE, px.data());
}

void Redraw::draw(ImDrawData* data, Rgb page, int fb_width, int fb_height, const std::vector<ScrollRegion>& scrolling) {
  fb_w_ = fb_width;
  fb_h_ = fb_height;
  if (!partial_ || data->FramebufferScale.x != 1.0f || data->FramebufferScale.y != 1.0f) {
    plan_ = RedrawPlan{};
    plan_.why_full = partial_ ? "framebuffer scale" : "whole frames";
    tracker_.invalidate();  // what it kept is no longer what the back buffer holds
    draw_whole(data, page, fb_width, fb_height);
    ++stats_.full;
    return;
  }
  plan_ = tracker_.plan(image_of(data, page, fb_width, fb_height, scrolling));
  switch (plan_.kind) {
    case RedrawPlan::Kind::kNone:
      ++stats_.none;
      return;
    case RedrawPlan::Kind::kFull:
      draw_whole(data, page, fb_width, fb_height);
      ++stats_.full;
        return;
    case RedrawPlan::Kind::kPartial:
      break;
  }
  ++stats_.partial;
  if (plan_.scrolled) ++stats_.scrolled;
  glViewport(0, 0, fb_width, fb_height);
  glDisable(GL_SCISSOR_TEST);  // a blit is scissored too, and then no longer a plain copy
  const auto gl_y = [fb_height](float y) { return static_cast<int>(static_cast<float>(fb_height) - y); };
  for (const Blit& b : plan_.blits)
    blit_(static_cast<int>(b.from.x0), gl_y(b.from.y1), static_cast<int>(b.from.x1), gl_y(b.from.y0), static_cast<int>(b.to.x0), gl_y(b.to.y1),
          static_cast<int>(b.to.x1), gl_y(b.to.y0), GL_COLOR_BUFFER_BIT, GL_NEAREST);
  for (const Rect& d : plan_.damage) {
    // Each time: a fill's clear (Ui::run_clear) in the last rectangle's lists left its colour.
    glClearColor(page.r / 255.0f, page.g / 255.0f, page.b / 255.0f, 1.0f);
    glEnable(GL_SCISSOR_TEST);
    glScissor(static_cast<GLint>(d.x0), gl_y(d.y1), static_cast<GLsizei>(d.x1 - d.x0), static_cast<GLsizei>(d.y1 - d.y0));
    glClear(GL_COLOR_BUFFER_BIT);
    glDisable(GL_SCISSOR_TEST);
    clip_to(data, d, fb_height);
    ImGui_ImplOpenGL3_RenderDrawData(data);
    std::size_t i = 0;
    for (int n = 0; n < data->CmdListsCount; ++n)
      for (ImDrawCmd& c : data->CmdLists[n]->CmdBuffer) c.ClipRect = saved_clips_[i++];
  }
  if (!verify_) return;
  read_back(px_a_, fb_width, fb_height);
  draw_whole(data, page, fb_width, fb_height);
  read_back(px_b_, fb_width, fb_height);
  long long differ = 0;
  Rect where;  // of the differing pixels (GL rows: bottom up)
  for (std::size_t p = 0; p + 3 < px_a_.size(); p += 4)
    if (std::memcmp(&px_a_[p], &px_b_[p], 3) != 0) {
      ++differ;
      const float x = static_cast<float>((p / 4) % static_cast<std::size_t>(fb_width));
      const float y = static_cast<float>(fb_height) - 1 - static_cast<float>((p / 4) / static_cast<std::size_t>(fb_width));
      where = unite(where, Rect{x, y, x + 1, y + 1});
    }
  ++stats_.verified;
  if (differ > 0) {
    ++stats_.mismatched_frames;
    stats_.mismatched_pixels += differ;
    // For the test that failed: what was planned, and where it went wrong (the first few).
    if (stats_.mismatched_frames <= 8) {
      const auto rect = [](const Rect& r) {
        char b[64];
        std::snprintf(b, sizeof b, " %.1f,%.1f-%.1f,%.1f", r.x0, r.y0, r.x1, r.y1);
        return std::string(b);
      };
      std::string plan = " damage";
      for (const Rect& r : plan_.damage) plan += rect(r);
      plan += "; before merging";
      for (std::size_t i = 0; i < plan_.parts.size() && i < 12; ++i) plan += rect(plan_.parts[i]);
      if (!plan_.blits.empty())
        plan += "; " + std::to_string(plan_.blits.size()) + " blits by " +
                std::to_string(static_cast<int>(plan_.blits.front().from.y0 - plan_.blits.front().to.y0));
      std::printf("kiosk: redraw differed: %lld pixels in%s; plan:%s\n", differ, rect(where).c_str(), plan.c_str());
    }
  }
}

void Redraw::present(GLFWwindow* window) {
  if (!partial_) {
    glfwSwapBuffers(window);
    return;
  }
  Rect r;
  switch (plan_.kind) {
    case RedrawPlan::Kind::kNone: return;
    case RedrawPlan::Kind::kFull: r = Rect{0, 0, static_cast<float>(fb_w_), static_cast<float>(fb_h_)}; break;
    case RedrawPlan::Kind::kPartial: r = plan_.shown; break;
  }
  // GL's rows go up from the bottom.
  copy_sub_buffer_(glXGetCurrentDisplay(), glXGetCurrentDrawable(), static_cast<int>(r.x0), static_cast<int>(static_cast<float>(fb_h_) - r.y1),
                   static_cast<int>(r.x1 - r.x0), static_cast<int>(r.y1 - r.y0));
}

}  // namespace kiosk::app
