${CI_JOB_ID}="42"
${env:CI_JOB_ID}=${CI_JOB_ID}
${QUOTED}="a `"b`" `$c ``d`' `#e"
${env:QUOTED}=${QUOTED}
New-Item -ItemType directory -Force -Path "/builds/t0k/0/g/p.tmp" | out-null
[System.IO.File]::WriteAllText("/builds/t0k/0/g/p.tmp/SECRET_FILE", "line1`nline2")
${SECRET_FILE}="/builds/t0k/0/g/p.tmp/SECRET_FILE"
${env:SECRET_FILE}=${SECRET_FILE}
${GITLAB_ENV}="/builds/t0k/0/g/p.tmp/gitlab_runner_env"
${env:GITLAB_ENV}=${GITLAB_ENV}
New-Item -ItemType directory -Force -Path "/builds/t0k/0/g/p.tmp" | out-null
if(!(Test-Path "/builds/t0k/0/g/p.tmp/gitlab_runner_env")) {
  New-Item -ItemType File -Path "/builds/t0k/0/g/p.tmp/gitlab_runner_env" | out-null
}

Try { Get-Content "/builds/t0k/0/g/p.tmp/gitlab_runner_env" | ForEach { $k, $v = $_.split('=', 2); Set-Content env:\$k $v} } Catch { echo "[0;33mUnable to read env file: /builds/t0k/0/g/p.tmp/gitlab_runner_env[0;m" }

cd "/builds/t0k/0/g/p"
if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }

echo "[32;1m`$ Write-Host `"multi[0;m"
Write-Host "multi
if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }

echo "[32;1m`$ dir env:[0;m"
dir env:
if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }

echo ""
