# The three OpenCV modules ocr uses (core, imgproc, imgcodecs), as the imported targets OpenCV's own
# CMake package defines (opencv_core, ...), found from their headers and libraries. That package
# comes only with Debian's libopencv-dev, which depends on every OpenCV module and so pulls in VTK,
# Qt and FFmpeg: 159 more packages, 536 MB installed, that nothing here uses.
find_path(OCR_OPENCV_INCLUDE_DIR opencv2/core.hpp PATH_SUFFIXES opencv4)
if(OCR_OPENCV_INCLUDE_DIR)
  file(STRINGS ${OCR_OPENCV_INCLUDE_DIR}/opencv2/core/version.hpp OCR_OPENCV_MAJOR
    REGEX "^#define CV_VERSION_MAJOR[ \t]+[0-9]+")
  string(REGEX REPLACE "[^0-9]" "" OCR_OPENCV_MAJOR "${OCR_OPENCV_MAJOR}")
endif()
if(NOT OCR_OPENCV_MAJOR OR OCR_OPENCV_MAJOR LESS 4)
  message(FATAL_ERROR "OpenCV 4's headers (opencv2/core.hpp) not found: tools/install-deps.sh "
    "installs libopencv-core-dev, libopencv-imgproc-dev and libopencv-imgcodecs-dev")
endif()
set(OCR_OPENCV_DEPS)
foreach(module core imgproc imgcodecs)
  find_library(OCR_OPENCV_${module}_LIBRARY opencv_${module})
  if(NOT OCR_OPENCV_${module}_LIBRARY)
    message(FATAL_ERROR "libopencv_${module} not found: tools/install-deps.sh installs "
      "libopencv-${module}-dev")
  endif()
  add_library(opencv_${module} SHARED IMPORTED)
  set_target_properties(opencv_${module} PROPERTIES
    IMPORTED_LOCATION ${OCR_OPENCV_${module}_LIBRARY}
    INTERFACE_INCLUDE_DIRECTORIES ${OCR_OPENCV_INCLUDE_DIR}
    INTERFACE_LINK_LIBRARIES "${OCR_OPENCV_DEPS}")
  list(APPEND OCR_OPENCV_DEPS opencv_${module})
endforeach()
message(STATUS "OpenCV ${OCR_OPENCV_MAJOR}: ${OCR_OPENCV_INCLUDE_DIR}")
