#!/usr/bin/env pwsh
& {

$ErrorActionPreference = "Stop"
echo "[32;1mDeleting tracked and untracked files...[0;m"
if(Test-Path "/builds/t0k/0/g/p" -PathType Container) {
  cd "/builds/t0k/0/g/p"
  if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }

  & "git" 'rm' '-rf' '--ignore-unmatch' '--quiet' '.'
  if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }

  & "git" 'clean' '-ffdx' '-q'
  if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }

}

}

