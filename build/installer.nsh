; tandem:// links open Tandem: NSIS does not register electron-builder's `protocols`, so the installer does.
; SHCTX is HKCU for a per-user install and HKLM for a per-machine one, matching where Tandem is installed.
!macro customInstall
  WriteRegStr SHCTX "Software\Classes\tandem" "" "URL:Tandem"
  WriteRegStr SHCTX "Software\Classes\tandem" "URL Protocol" ""
  WriteRegStr SHCTX "Software\Classes\tandem\DefaultIcon" "" "$INSTDIR\${APP_EXECUTABLE_FILENAME},0"
  WriteRegStr SHCTX "Software\Classes\tandem\shell\open\command" "" '"$INSTDIR\${APP_EXECUTABLE_FILENAME}" "%1"'
!macroend

!macro customUnInstall
  DeleteRegKey SHCTX "Software\Classes\tandem"
!macroend
